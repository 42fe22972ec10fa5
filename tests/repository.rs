//! The repository is self-contained: every relative link in README.md and docs/ points
//! at a file that exists, and nothing in src/, tests/, scenes/, shaders/ or docs/ reads
//! or cites a file outside the repository (the data the scenes, tests and validation
//! use lives in data/).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under `dir` (recursively) whose name ends with one of `extensions`.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if extensions
                .iter()
                .any(|x| path.to_string_lossy().ends_with(x))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The targets of the inline Markdown links `[text](target)` in `text`.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

#[test]
fn relative_links_in_docs_and_readme_point_at_files() {
    let mut documents = files(&root().join("docs"), &[".md"]);
    documents.push(root().join("README.md"));
    documents.extend(files(&root().join("data"), &[".md"]));
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in &documents {
        let text = std::fs::read_to_string(doc).unwrap();
        for target in link_targets(&text) {
            let target = target.split_whitespace().next().unwrap_or("");
            if target.is_empty()
                || target.starts_with('#')
                || target.contains("://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let resolved = doc.parent().unwrap().join(file);
            checked += 1;
            if !resolved.exists() {
                broken.push(format!("{} -> {target}", doc.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} relative links found: is the parser right?"
    );
    assert!(
        broken.is_empty(),
        "links to missing files:\n{}",
        broken.join("\n")
    );
}

#[test]
fn nothing_reads_or_cites_files_outside_the_repository() {
    // Built from parts so that this file does not match itself.
    let outside = [["..", "shared"].join("/"), ["REFERENCES", "md"].join(".")];
    let mut hits = Vec::new();
    for dir in ["src", "tests", "scenes", "shaders", "docs", "benches"] {
        for file in files(
            &root().join(dir),
            &[".rs", ".toml", ".wgsl", ".md", ".py", ".json"],
        ) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if outside.iter().any(|o| line.contains(o.as_str())) {
                    hits.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "references outside the repository:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_data_the_scenes_and_tests_use_is_in_the_repository() {
    for file in [
        "data/vessels/aorta-surface.stl",
        "data/vessels/aorta-surface-open-ends.stl",
        "data/vessels/README.md",
        "data/fda-nozzle/README.md",
        "data/fda-nozzle/PIV_Sudden_Expansion_500_243.txt",
    ] {
        assert!(root().join(file).is_file(), "{file} is missing");
    }
    // The flagship real-vessel scene reads its surface from data/.
    let scene = std::fs::read_to_string(root().join("scenes/aorta_iliac.toml")).unwrap();
    assert!(scene.contains("file = \"../data/vessels/aorta-surface-open-ends.stl\""));
}
