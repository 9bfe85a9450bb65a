//! The configuration file (`linli.toml`), beside flags and environment variables.
//!
//! Every setting with an environment variable has a key in the file: `LINLI_LISTEN` is
//! `listen`, `DATABASE_URL` is `database_url`, `LINLI_SMS_KEY_ID` is `key_id` under
//! `[sms]` (or `sms_key_id` at the top). A flag beats the environment, which beats the
//! file, which beats the built-in default. The file is named by `--config FILE` or
//! `LINLI_CONFIG`; an unknown key is an error, so a typo is not silently ignored.
//! `linli config` prints what is in effect and where it comes from, secrets masked.

use clap::{ArgMatches, CommandFactory, FromArgMatches, parser::ValueSource};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Loaded {
    cmd: clap::Command,
    matches: ArgMatches,
    file: Option<PathBuf>,
    /// Ids of the arguments whose value the file gave.
    from_file: BTreeSet<String>,
}

static LOADED: OnceLock<Loaded> = OnceLock::new();

/// The file named on the command line (`--config F`, `--config=F`) or by `LINLI_CONFIG`.
fn file_named(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os("LINLI_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Flattens the file into (key, values): `[sms] key_id = "…"` is `sms.key_id`.
fn flatten(
    table: &toml::Table,
    prefix: &str,
    out: &mut Vec<(String, Vec<String>)>,
) -> Result<(), String> {
    for (k, v) in table {
        let key = format!("{prefix}{k}");
        let scalar = |v: &toml::Value| -> Result<String, String> {
            match v {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                toml::Value::Boolean(b) => Ok(b.to_string()),
                toml::Value::Float(f) => Ok(f.to_string()),
                _ => Err(format!("{key}: expected a string, number or true/false")),
            }
        };
        match v {
            toml::Value::Table(t) if prefix.is_empty() => flatten(t, &format!("{key}."), out)?,
            toml::Value::Array(items) => out.push((
                key.clone(),
                items.iter().map(scalar).collect::<Result<_, _>>()?,
            )),
            other => out.push((key.clone(), vec![scalar(other)?])),
        }
    }
    Ok(())
}

fn env_of(key: &str) -> String {
    if key == "database_url" {
        "DATABASE_URL".into()
    } else {
        format!("LINLI_{}", key.replace('.', "_").to_uppercase())
    }
}

fn key_of(arg: &clap::Arg) -> Option<String> {
    let env = arg.get_env()?.to_string_lossy().into_owned();
    if env == "DATABASE_URL" {
        return Some("database_url".into());
    }
    let rest = env.strip_prefix("LINLI_")?.to_lowercase();
    Some(match rest.strip_prefix("sms_") {
        Some(k) => format!("sms.{k}"),
        None => rest,
    })
}

/// Applies the file's values as defaults of the arguments they name.
fn apply(
    mut cmd: clap::Command,
    entries: Vec<(String, Vec<String>)>,
) -> Result<(clap::Command, BTreeSet<String>), String> {
    // Which argument (and in which subcommands) each environment variable belongs to.
    let mut by_env: BTreeMap<String, (String, Vec<String>, bool)> = BTreeMap::new();
    for a in cmd.get_arguments() {
        if let Some(e) = a.get_env() {
            by_env.insert(
                e.to_string_lossy().into(),
                (a.get_id().to_string(), vec![], true),
            );
        }
    }
    for sc in cmd.get_subcommands() {
        for a in sc.get_arguments() {
            if let Some(e) = a.get_env() {
                let entry = by_env
                    .entry(e.to_string_lossy().into())
                    .or_insert_with(|| (a.get_id().to_string(), vec![], false));
                if !entry.2 {
                    entry.1.push(sc.get_name().to_string());
                }
            }
        }
    }
    let mut from_file = BTreeSet::new();
    for (key, values) in entries {
        let Some((id, subs, root)) = by_env
            .get(&env_of(&key))
            .filter(|(id, _, _)| id != "config")
        else {
            let known: Vec<String> = by_env
                .keys()
                .map(|e| {
                    let k = if e == "DATABASE_URL" {
                        "database_url".to_string()
                    } else {
                        e.trim_start_matches("LINLI_").to_lowercase()
                    };
                    match k.strip_prefix("sms_") {
                        Some(r) => format!("sms.{r}"),
                        None => k,
                    }
                })
                .collect();
            return Err(format!(
                "unknown setting {key:?}; known: {}",
                known.join(", ")
            ));
        };
        let values: Vec<&'static str> = values
            .iter()
            .flat_map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|v| !v.is_empty() || values.len() == 1)
            .map(|v| &*Box::leak(v.into_boxed_str()))
            .collect();
        let set = |a: clap::Arg| a.default_values(values.clone());
        if *root {
            cmd = cmd.mut_arg(id.as_str(), set);
        } else {
            for sc in subs {
                cmd = cmd.mut_subcommand(sc.as_str(), |s| s.mut_arg(id.as_str(), set));
            }
        }
        from_file.insert(id.clone());
    }
    Ok((cmd, from_file))
}

/// Parses the command line with the configuration file's values as defaults; exits with a
/// message when the file cannot be read or names an unknown setting.
pub fn parse<C: CommandFactory + FromArgMatches>() -> C {
    let args: Vec<OsString> = std::env::args_os().collect();
    let file = file_named(&args);
    let mut cmd = C::command();
    let mut from_file = BTreeSet::new();
    if let Some(path) = &file {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| {
                toml::from_str::<toml::Table>(&text).map_err(|e| format!("{}: {e}", path.display()))
            })
            .and_then(|t| {
                let mut entries = vec![];
                flatten(&t, "", &mut entries)?;
                apply(cmd.clone(), entries).map_err(|e| format!("{}: {e}", path.display()))
            });
        match loaded {
            Ok((c, f)) => (cmd, from_file) = (c, f),
            Err(e) => {
                eprintln!("linli: configuration file {e}");
                std::process::exit(2);
            }
        }
    }
    let matches = cmd.clone().get_matches_from(args);
    let cli = C::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let _ = LOADED.set(Loaded {
        cmd,
        matches,
        file,
        from_file,
    });
    cli
}

/// Hides a secret: its length shows it is set, nothing of it is shown.
fn mask(id: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if id.contains("secret") {
        return "*".repeat(8);
    }
    if id.contains("key_id") {
        let head: String = value.chars().take(4).collect();
        return format!("{head}****");
    }
    // A password inside a URL: postgres://user:pw@host/db
    if let (Some(s), Some(at)) = (value.find("://"), value.rfind('@')) {
        if at > s {
            if let Some((user, _)) = value[s + 3..at].split_once(':') {
                return format!("{}{user}:***{}", &value[..s + 3], &value[at..]);
            }
        }
    }
    value.to_string()
}

/// The settings in effect for the subcommand run, one per line, with their source.
pub fn describe() -> String {
    let Some(l) = LOADED.get() else {
        return String::new();
    };
    let mut out = String::new();
    match &l.file {
        Some(f) => out.push_str(&format!("# configuration file: {}\n", f.display())),
        None => out.push_str("# no configuration file (--config FILE or LINLI_CONFIG)\n"),
    }
    let Some((name, sub)) = l.matches.subcommand() else {
        return out;
    };
    let sub_cmd = l.cmd.find_subcommand(name);
    let args = l.cmd.get_arguments().map(|a| (a, &l.matches)).chain(
        sub_cmd
            .into_iter()
            .flat_map(|c| c.get_arguments())
            .map(|a| (a, sub)),
    );
    let mut lines = Vec::new();
    for (arg, m) in args {
        let Some(key) = key_of(arg) else { continue };
        let id = arg.get_id().as_str();
        if id == "config" {
            continue;
        }
        let value = m
            .get_raw(id)
            .map(|vs| {
                vs.map(|v| v.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        let env = arg
            .get_env()
            .map(|e| e.to_string_lossy())
            .unwrap_or_default();
        let source = match m.value_source(id) {
            Some(ValueSource::CommandLine) => "flag".to_string(),
            Some(ValueSource::EnvVariable) => format!("environment {env}"),
            _ if l.from_file.contains(id) => "configuration file".to_string(),
            Some(ValueSource::DefaultValue) => "default".to_string(),
            _ => "unset".to_string(),
        };
        let shown = mask(id, &value);
        lines.push(format!(
            "{key:<26} = {:<34} ({source})\n",
            if shown.is_empty() {
                "\"\"".to_string()
            } else {
                shown
            }
        ));
    }
    lines.sort();
    out.extend(lines);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask("sms_key_secret", "abc"), "********");
        assert_eq!(mask("sms_key_id", "LTAI5tAbCd"), "LTAI****");
        assert_eq!(
            mask("database_url", "postgres://linli:pw@db/linli"),
            "postgres://linli:***@db/linli"
        );
        assert_eq!(mask("listen", "127.0.0.1:8080"), "127.0.0.1:8080");
    }

    #[test]
    fn tables_flatten_to_keys() {
        let t: toml::Table = toml::from_str(
            "listen = \"0.0.0.0:8080\"\ntrusted_proxies = [\"127.0.0.1\"]\n[sms]\nprovider = \"aliyun\"\nper_hour = 100\n",
        )
        .unwrap();
        let mut e = vec![];
        flatten(&t, "", &mut e).unwrap();
        e.sort();
        assert_eq!(e[0], ("listen".into(), vec!["0.0.0.0:8080".into()]));
        assert_eq!(e[1], ("sms.per_hour".into(), vec!["100".into()]));
        assert_eq!(env_of("sms.per_hour"), "LINLI_SMS_PER_HOUR");
        assert_eq!(env_of("database_url"), "DATABASE_URL");
    }
}
