//! The SAM frame decoder on arbitrary bytes in arbitrary chunks: never panics, its buffer
//! stays bounded, and every frame it yields decodes as a response without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yichuang_drivers::idcard::{FrameDecoder, Response};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk.max(1));
    let mut decoder = FrameDecoder::new();
    for part in stream.chunks(chunk) {
        decoder.push(part);
        while let Some(frame) = decoder.next_frame() {
            if let Ok(frame) = frame {
                let _ = Response::from_frame(&frame);
            }
        }
        assert!(decoder.pending() <= 64 * 1024, "decoder buffer unbounded");
    }
});
