//! `LINLI_SKIP_PG=1` at build time marks the PostgreSQL leg of every HTTP test as
//! ignored, so skipping it is explicit and shows in the summary line ("N ignored").

fn main() {
    println!("cargo::rerun-if-env-changed=LINLI_SKIP_PG");
    println!("cargo::rustc-check-cfg=cfg(linli_skip_pg)");
    if std::env::var("LINLI_SKIP_PG").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=linli_skip_pg");
    }
}
