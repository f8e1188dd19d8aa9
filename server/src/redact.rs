//! What a client learns of a server path in an error's detail: the file's name, never where
//! it lives.

/// `detail` with every absolute filesystem path (a word starting with `/`, `\\` or a drive
/// letter) cut down to its last component: clients learn which file, not where it lives.
pub fn redact_paths(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail;
    while !rest.is_empty() {
        let cut = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(cut);
        let bytes = word.as_bytes();
        let absolute = word.starts_with('/')
            || word.starts_with('\\')
            || (bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":\\");
        if absolute {
            let name = word
                .trim_end_matches([':', ',', ';', ')'])
                .rsplit(['/', '\\'])
                .find(|c| !c.is_empty())
                .unwrap_or("");
            let trailing = &word[word.trim_end_matches([':', ',', ';', ')']).len()..];
            out.push_str("…/");
            out.push_str(name);
            out.push_str(trailing);
        } else {
            out.push_str(word);
        }
        let ws = tail.len() - tail.trim_start().len();
        out.push_str(&tail[..ws]);
        rest = &tail[ws..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn absolute_paths_are_cut_to_their_file_name() {
        assert_eq!(
            redact_paths("open /var/lib/yichuang/blobs/staging/ab.part: Permission denied"),
            "open …/ab.part: Permission denied"
        );
        assert_eq!(
            redact_paths(r"read C:\data\x.pem failed"),
            "read …/x.pem failed"
        );
        assert_eq!(redact_paths("no route for api/v1"), "no route for api/v1");
        assert!(!Error::BlobStore {
            detail: "rename /root/data/blobs/aa/aa: EIO".into()
        }
        .body()
        .detail
        .contains("/root"));
    }
}
