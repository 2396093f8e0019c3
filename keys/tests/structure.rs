//! The layering of the sources, checked: in `jasmine-keys`, each `cmd_*` module is a thin
//! CLI over the domain modules and names no other `cmd_*` module; in the server,
//! `config` and `state` sit at the bottom and import no handler or page module.

use std::path::Path;

fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn no_cmd_module_names_another() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&here);
    let commands: Vec<&String> = files
        .iter()
        .map(|(name, _)| name)
        .filter(|n| n.starts_with("cmd_"))
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for (name, text) in &files {
        if name == "main" {
            continue; // the dispatcher names them all
        }
        for other in &commands {
            if *other == name {
                continue;
            }
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                !code.contains(&format!("{other}::")) && !code.contains(&format!("{other},")),
                "{name}.rs names {other}: move what they share into a domain module"
            );
        }
    }
}

#[test]
fn the_servers_config_and_state_import_no_handler_or_page() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    for file in ["config.rs", "state.rs"] {
        let text = std::fs::read_to_string(server.join(file)).unwrap();
        for upward in ["routes::", "web::", "crate::app", "onion::"] {
            assert!(
                !text.contains(upward),
                "server/src/{file} reaches up into {upward}"
            );
        }
    }
}
