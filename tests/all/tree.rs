//! `Tree`: a temporary directory to grant, with a canary beside it, and a
//! byte-for-byte snapshot of everything in it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// `root/` holds `grant/` (what scripts get), `other/` (a second grant) and
/// `secret.txt` (the canary no script may reach).
pub struct Tree {
    root: tempfile::TempDir,
}

/// The canary's contents.
pub const SECRET: &str = "the canary: never read, listed, changed or deleted";

/// One entry of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File(Vec<u8>),
    Dir,
    Symlink(PathBuf),
}

impl Tree {
    /// A grant holding `a.txt`, `sub/b.csv`, `sub/deeper/c.csv` and an empty `empty/`.
    pub fn new() -> Tree {
        let root = tempfile::tempdir().expect("temp dir");
        let tree = Tree { root };
        tree.file("grant/a.txt", "alpha\nbeta\ngamma\n");
        tree.file("grant/sub/b.csv", "x,y\n1,2\n");
        tree.file("grant/sub/deeper/c.csv", "c\n");
        fs::create_dir_all(tree.path("grant/empty")).unwrap();
        fs::create_dir_all(tree.path("other")).unwrap();
        tree.file("secret.txt", SECRET);
        tree
    }

    /// The host path of `rel` beneath the tree's root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The directory scripts are granted.
    pub fn grant(&self) -> PathBuf {
        self.path("grant")
    }

    /// Writes a file on the host (making parents).
    pub fn file(&self, rel: &str, contents: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// Makes a symlink `rel` -> `target` on the host.
    pub fn symlink(&self, target: impl AsRef<Path>, rel: &str) {
        std::os::unix::fs::symlink(target, self.path(rel)).unwrap();
    }

    /// Reads a host file as text.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Everything under the root, without following symlinks.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Node> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.root.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(self.root.path()).unwrap().to_path_buf();
                let meta = fs::symlink_metadata(&path).unwrap();
                let node = if meta.file_type().is_symlink() {
                    Node::Symlink(fs::read_link(&path).unwrap())
                } else if meta.is_dir() {
                    stack.push(path.clone());
                    Node::Dir
                } else {
                    Node::File(fs::read(&path).unwrap())
                };
                out.insert(rel, node);
            }
        }
        out
    }

    /// Asserts the canary is intact.
    #[track_caller]
    pub fn assert_canary_intact(&self) {
        assert_eq!(self.read("secret.txt"), SECRET);
    }

    /// The host path of the root as text, to check it never reaches a script.
    pub fn host_prefix(&self) -> String {
        self.root.path().display().to_string()
    }
}
