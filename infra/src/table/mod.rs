//! The DynamoDB table, defined once: the `Table` resource of `template.yaml`. `template` reads
//! that definition (tolerating CloudFormation's short tags such as `!Ref` and `!Sub` elsewhere
//! in the template); `create` creates the table on any endpoint, then turns TTL on;
//! `org_index_backfill` is a one-off migration of tables made before the organisation index.
//! `create-table` and the contract tests both create tables through here, so what is tested is
//! what is deployed.

mod create;
mod org_index_backfill;
mod template;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};

pub use create::{create_table, Outcome};
pub use org_index_backfill::backfill_org_index;
pub use template::{
    default_template_path, parse_definition, read_definition, IndexDefinition, Parse,
    TableDefinition, RESOURCE,
};

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not YAML: {message}")]
    Yaml { path: String, message: String },
    #[error("{path}: {message}")]
    Definition { path: String, message: String },
    #[error("DynamoDB {operation}: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
}

fn aws<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    e: aws_sdk_dynamodb::error::SdkError<E, R>,
) -> TableError {
    TableError::Aws {
        operation,
        message: DisplayErrorContext(&e).to_string(),
    }
}

fn build_error(e: impl std::fmt::Display) -> TableError {
    TableError::Aws {
        operation: "CreateTable",
        message: e.to_string(),
    }
}
