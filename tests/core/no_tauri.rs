//! The core and the CLI never depend on Tauri (ARCHITECTURE.md, invariants).

use std::collections::{HashMap, HashSet};

#[test]
fn core_and_cli_have_no_tauri_in_their_dependency_graph() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> =
        meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n)).collect();

    for root in ["smtp-oauth-core", "smtp-oauth-cli"] {
        let root_id = names.iter().find(|(_, n)| **n == root).map(|(id, _)| *id).expect(root);
        // Walk normal and build dependencies (not dev-dependencies).
        let mut seen = HashSet::new();
        let mut todo = vec![root_id];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            for dep in nodes[id]["deps"].as_array().unwrap() {
                let normal =
                    dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null() || k["kind"] == "build");
                if normal {
                    todo.push(dep["pkg"].as_str().unwrap());
                }
            }
        }
        // The walk must see what the core really uses, or it proves nothing.
        assert!(seen.iter().any(|id| names[id] == "lettre"), "{root}: the walk did not reach lettre");
        let tauri: Vec<&str> = seen.iter().map(|id| names[id]).filter(|n| n.starts_with("tauri")).collect();
        assert!(tauri.is_empty(), "{root} depends on {tauri:?}");
    }
}
