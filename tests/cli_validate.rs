//! `embolus validate --quick` as CI runs it: every case of the quick set passes its
//! tolerance, the report, its plots and validation.json are written; bad input is
//! refused with the list of cases.

use std::process::Command;

fn embolus() -> Command {
    Command::new(env!("CARGO_BIN_EXE_embolus"))
}

#[test]
fn the_quick_validation_suite_passes_and_writes_its_report() {
    let out = std::env::temp_dir().join(format!("embolus-validate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = embolus()
        .args(["validate", "--quick", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    println!("{stdout}");
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("all 9 cases run passed (not run: fda-nozzle)"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(
        report.contains("**9 of 9 cases passed.** Not run: fda-nozzle."),
        "{report}"
    );
    assert!(report.contains("Not run: not in the quick set"), "{report}");
    assert!(report.contains("Ghia"));
    assert!(!report.contains("**fail**"));
    for plot in [
        "cavity_re100.png",
        "pipe_poiseuille_convergence.png",
        "curved-walls.png",
    ] {
        let bytes = std::fs::read(out.join("validation-plots").join(plot)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{plot}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("validation.json")).unwrap())
            .unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        for check in case["checks"].as_array().unwrap() {
            let (m, l) = (
                check["measured"].as_f64().unwrap(),
                check["limit"].as_f64().unwrap(),
            );
            assert!(m.abs() < l, "{case}");
        }
    }
}

#[test]
fn an_unknown_case_is_refused_with_the_list() {
    let o = embolus()
        .args(["validate", "--case", "cavity,nozzle"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("\"nozzle\"") && stderr.contains("shear-wave, plane-poiseuille"),
        "{stderr}"
    );
}
