//! A contract case runs only if its crate's `…_contract_tests!` macro lists it: one missing from
//! the list would pass silently on every backend. This reads every `shared/*/src/contract.rs`
//! and checks that each `pub async fn` case is named in the macro that follows the cases.

use std::path::Path;

#[test]
fn every_contract_case_is_listed_in_its_macro() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    let mut checked = 0;
    for entry in std::fs::read_dir(&shared).expect("the shared crates") {
        let path = entry.unwrap().path().join("src/contract.rs");
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let macros: String = source
            .split("macro_rules!")
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            !macros.is_empty(),
            "{} has no contract macro",
            path.display()
        );
        for case in source
            .lines()
            .filter_map(|line| line.strip_prefix("pub async fn "))
            .map(|rest| rest.split(['(', '<']).next().unwrap_or_default().trim())
        {
            let listed = macros
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == case);
            assert!(
                listed,
                "{}: case {case} is in no macro's list",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 70,
        "only {checked} cases found: is the layout still shared/*/src/contract.rs?"
    );
}
