//! `cargo run -p infra --bin create-table -- --table NAME [--template PATH]`: creates the table
//! that `template.yaml` defines (resource `Table`) and turns TTL on, on whatever DynamoDB the
//! SDK's configuration points at: AWS, or DynamoDB Local through `AWS_ENDPOINT_URL_DYNAMODB`
//! (or `AWS_ENDPOINT_URL`), with region and credentials from the usual chain.

use anyhow::{bail, Context};
use aws_config::BehaviorVersion;
use std::path::PathBuf;

use infra::table::{create_table, default_template_path, read_definition, Outcome};

const USAGE: &str = "usage: create-table --table NAME [--template PATH]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut table = None;
    let mut template = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--table" => table = args.next(),
            "--template" => template = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let Some(table) = table.filter(|t| !t.trim().is_empty()) else {
        bail!("--table NAME is required\n{USAGE}");
    };
    // The template of the folder it is run from, else the workspace's.
    let template = template.unwrap_or_else(|| {
        let here = PathBuf::from("template.yaml");
        if here.is_file() {
            here
        } else {
            default_template_path()
        }
    });
    let definition = read_definition(&template)?;
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let outcome = create_table(&client, &table, &definition)
        .await
        .with_context(|| format!("cannot create table {table}"))?;
    let ttl = definition
        .ttl_attribute
        .as_deref()
        .map(|a| format!(", TTL on `{a}`"))
        .unwrap_or_default();
    match outcome {
        Outcome::Created => println!("Created table {table} from {}{ttl}", template.display()),
        Outcome::AlreadyExisted => println!("Table {table} already exists; left as it is{ttl}"),
    }
    Ok(())
}
