//! The shape of the tree, checked: the two products never name each other, what they share
//! names neither, and driver types (SeaORM, fred) stay inside `storage/` folders.

use std::{
    fs,
    path::{Path, PathBuf},
};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read source folder") {
            let path = entry.expect("read source entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).expect("read source file");
                out.push((path, text));
            }
        }
    }
    out
}

/// The files under `dir` (relative to `src/`) that contain any of `words`.
fn offenders(dir: &str, words: &[&str]) -> Vec<String> {
    let root = src();
    sources(&root.join(dir))
        .into_iter()
        .filter(|(_, text)| words.iter().any(|w| text.contains(w)))
        .map(|(path, _)| {
            path.strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect()
}

#[test]
fn the_two_products_never_name_each_other() {
    assert_eq!(
        offenders("ticketing", &["crate::booking"]),
        Vec::<String>::new()
    );
    assert_eq!(
        offenders("booking", &["crate::ticketing"]),
        Vec::<String>::new()
    );
}

#[test]
fn what_both_share_names_neither_product() {
    let words = ["crate::ticketing", "crate::booking"];
    assert_eq!(offenders("shared", &words), Vec::<String>::new());
    assert_eq!(offenders("storage", &words), Vec::<String>::new());
}

#[test]
fn database_and_redis_drivers_stay_behind_the_storage_wall() {
    let drivers = ["sea_orm", "fred::", "DbErr"];
    let mut found = Vec::new();
    for context in ["ticketing", "booking", "shared"] {
        for layer in ["http", "services", "domain"] {
            found.extend(offenders(&format!("{context}/{layer}"), &drivers));
        }
    }
    found.extend(offenders("http", &drivers));
    assert_eq!(found, Vec::<String>::new());
}
