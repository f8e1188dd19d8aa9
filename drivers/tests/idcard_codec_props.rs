//! Property-style tests for the SAM codec: a small deterministic PRNG drives random bytes,
//! random frames and random split points. The decoder must never panic, must not depend on
//! how the stream is chunked, and must always find the valid frames again after noise and
//! corrupted frames.

use yichuang_drivers::idcard::codec::{
    decode_frame, encode_frame, Frame, FrameDecoder, FrameError, Response, MAX_LEN, PREAMBLE,
};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    /// Bytes biased towards the preamble's values so fake frame starts are common.
    fn nasty_bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| match self.below(8) {
                0 | 1 => 0xAA,
                2 => 0x96,
                3 => 0x69,
                4 => 0x00,
                _ => self.byte(),
            })
            .collect()
    }
    fn body(&mut self, max: usize) -> Vec<u8> {
        let n = 2 + self.below(max);
        (0..n).map(|_| self.byte()).collect()
    }
}

type Event = Result<Frame, FrameError>;

fn decode_in_chunks(stream: &[u8], rng: &mut Rng) -> Vec<Event> {
    let mut d = FrameDecoder::new();
    let mut events = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(300));
        let (chunk, tail) = rest.split_at(n);
        d.push(chunk);
        while let Some(e) = d.next_frame() {
            events.push(e);
        }
        // Bounded memory: at most one maximal frame plus the last chunk is kept.
        assert!(d.pending() <= usize::from(MAX_LEN) + 7 + n);
        rest = tail;
    }
    events
}

#[test]
fn c1_decoder_never_panics_on_random_input_and_splits() {
    let mut rng = Rng(0x1D_CA_2D_5A_17);
    for _ in 0..1500 {
        let len = rng.below(3000);
        let stream = rng.nasty_bytes(len);
        let _ = decode_in_chunks(&stream, &mut rng);
        let _ = decode_frame(&stream);
        let _ = Response::decode(&stream);
    }
}

#[test]
fn c1_decoder_output_does_not_depend_on_chunking() {
    let mut rng = Rng(42);
    for _ in 0..500 {
        let mut stream = Vec::new();
        for _ in 0..1 + rng.below(6) {
            match rng.below(3) {
                0 => {
                    let n = rng.below(40);
                    stream.extend(rng.nasty_bytes(n));
                }
                1 => stream.extend(encode_frame(&rng.body(60))),
                _ => {
                    let mut f = encode_frame(&rng.body(60));
                    let i = rng.below(f.len());
                    if let Some(b) = f.get_mut(i) {
                        *b ^= 1 << rng.below(8);
                    }
                    stream.extend(f);
                }
            }
        }
        let whole = {
            let mut d = FrameDecoder::new();
            d.push(&stream);
            std::iter::from_fn(|| d.next_frame()).collect::<Vec<_>>()
        };
        for _ in 0..3 {
            assert_eq!(decode_in_chunks(&stream, &mut rng), whole);
        }
    }
}

#[test]
fn c1_valid_frames_are_recovered_after_noise_and_corrupted_frames() {
    let mut rng = Rng(7);
    let mut false_positives = 0;
    let cases = 600;
    for _ in 0..cases {
        let mut stream = Vec::new();
        let mut valid = Vec::new();
        for _ in 0..1 + rng.below(5) {
            // Noise that cannot contain a preamble.
            for _ in 0..rng.below(30) {
                stream.push(rng.byte() & 0x7F);
            }
            match rng.below(4) {
                // Bad checksum, whole frame present.
                0 => {
                    let mut f = encode_frame(&rng.body(50));
                    if let Some(last) = f.last_mut() {
                        *last ^= 0x5A;
                    }
                    stream.extend(f);
                }
                // Bad length word.
                1 => {
                    stream.extend(PREAMBLE);
                    stream.extend((MAX_LEN + 1 + rng.below(1000) as u16).to_be_bytes());
                    stream.extend(rng.body(20));
                }
                // Truncated frame: claims more than it carries.
                2 => {
                    let f = encode_frame(&rng.body(80));
                    let cut = 1 + rng.below(f.len() - 1);
                    stream.extend(f.get(..cut).unwrap_or(&[]));
                }
                _ => {}
            }
            let body = rng.body(100);
            stream.extend(encode_frame(&body));
            valid.push(Frame { body });
        }
        // Enough trailing bytes to complete any frame a truncated one claimed to be.
        stream.extend(std::iter::repeat_n(0x00, usize::from(MAX_LEN) + 8));
        let oks: Vec<Frame> = decode_in_chunks(&stream, &mut rng)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        if oks.iter().any(|f| !valid.contains(f)) {
            // A corrupted frame whose checksum matched by chance (1 in 256) may hide a real one.
            false_positives += 1;
            continue;
        }
        assert_eq!(oks, valid);
    }
    assert!(false_positives < cases / 20, "{false_positives}");
}

#[test]
fn c1_responses_round_trip() {
    let mut rng = Rng(99);
    for _ in 0..500 {
        let data = (0..rng.below(1500)).map(|_| rng.byte()).collect();
        let r = Response {
            sw1: rng.byte(),
            sw2: rng.byte(),
            sw3: rng.byte(),
            data,
        };
        assert_eq!(Response::decode(&r.encode()), Ok(r));
    }
}

#[test]
fn c1_every_single_bit_flip_is_caught_or_harmless() {
    let mut rng = Rng(3);
    let original = Response::new(0x90, (0..64).map(|_| rng.byte()).collect()).encode();
    for i in 0..original.len() * 8 {
        let mut f = original.clone();
        if let Some(b) = f.get_mut(i / 8) {
            *b ^= 1 << (i % 8);
        }
        // XOR checksums catch every single-bit error.
        assert!(decode_frame(&f).is_err(), "bit {i}");
    }
}
