//! The DynamoDB table, defined once: the `Table` resource of `template.yaml`. This module reads
//! that definition (tolerating CloudFormation's short tags such as `!Ref` and `!Sub` elsewhere in
//! the template) and creates the table on any endpoint, then turns TTL on. `create-table` and the
//! contract tests both create tables through here, so what is tested is what is deployed.

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CreateGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

/// The logical id of the table in `template.yaml`.
pub const RESOURCE: &str = "Table";

/// What `CreateTable` needs, as the template says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDefinition {
    pub attributes: Vec<(String, ScalarAttributeType)>,
    pub key_schema: Vec<(String, KeyType)>,
    pub billing_mode: BillingMode,
    /// Read and write capacity units, for `PROVISIONED` billing.
    pub provisioned: Option<(i64, i64)>,
    /// The TTL attribute, when `TimeToLiveSpecification.Enabled` is true.
    pub ttl_attribute: Option<String>,
    /// `GlobalSecondaryIndexes`.
    pub indexes: Vec<IndexDefinition>,
}

/// One global secondary index, as the template says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: String,
    pub key_schema: Vec<(String, KeyType)>,
    pub projection: ProjectionType,
}

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

/// `template.yaml` at the workspace root.
pub fn default_template_path() -> PathBuf {
    let infra = Path::new(env!("CARGO_MANIFEST_DIR"));
    infra.parent().unwrap_or(infra).join("template.yaml")
}

/// Reads the `Table` resource of the template at `path`.
pub fn read_definition(path: &Path) -> Result<TableDefinition, TableError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TableError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_definition(&text).map_err(|e| match e {
        Parse::Yaml(message) => TableError::Yaml {
            path: shown.clone(),
            message,
        },
        Parse::Definition(message) => TableError::Definition {
            path: shown.clone(),
            message,
        },
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    Yaml(String),
    Definition(String),
}

fn bad(message: impl Into<String>) -> Parse {
    Parse::Definition(message.into())
}

/// A string that may be written plain or quoted; tagged values (`!Ref X`) are not plain strings
/// here, since the table's own properties must not depend on parameters.
fn text<'a>(node: &'a Yaml, what: &str) -> Result<&'a str, Parse> {
    node.as_str()
        .ok_or_else(|| bad(format!("{what} must be a plain string")))
}

/// Parses the `Table` resource out of a template's text.
pub fn parse_definition(yaml: &str) -> Result<TableDefinition, Parse> {
    let docs = YamlLoader::load_from_str(yaml).map_err(|e| Parse::Yaml(e.to_string()))?;
    let doc = docs.first().ok_or_else(|| bad("the template is empty"))?;
    let resource = &doc["Resources"][RESOURCE];
    if resource.is_badvalue() {
        return Err(bad(format!("no resource `{RESOURCE}` under Resources")));
    }
    let kind = text(&resource["Type"], "Resources.Table.Type")?;
    if kind != "AWS::DynamoDB::Table" {
        return Err(bad(format!(
            "resource `{RESOURCE}` is a {kind}, not an AWS::DynamoDB::Table"
        )));
    }
    let props = &resource["Properties"];

    let mut attributes = Vec::new();
    for a in props["AttributeDefinitions"]
        .as_vec()
        .ok_or_else(|| bad("Table.Properties.AttributeDefinitions must be a list"))?
    {
        let name = text(&a["AttributeName"], "AttributeDefinitions[].AttributeName")?;
        let kind = match text(&a["AttributeType"], "AttributeDefinitions[].AttributeType")? {
            "S" => ScalarAttributeType::S,
            "N" => ScalarAttributeType::N,
            "B" => ScalarAttributeType::B,
            other => return Err(bad(format!("attribute {name}: unknown type {other}"))),
        };
        attributes.push((name.to_owned(), kind));
    }

    let key_schema = parse_keys(
        &props["KeySchema"],
        "Table.Properties.KeySchema",
        &attributes,
    )?;

    let mut indexes = Vec::new();
    if let Some(list) = props["GlobalSecondaryIndexes"].as_vec() {
        for i in list {
            let name = text(&i["IndexName"], "GlobalSecondaryIndexes[].IndexName")?;
            let projection = match text(
                &i["Projection"]["ProjectionType"],
                "GlobalSecondaryIndexes[].Projection.ProjectionType",
            )? {
                "ALL" => ProjectionType::All,
                "KEYS_ONLY" => ProjectionType::KeysOnly,
                other => return Err(bad(format!("index {name}: unsupported projection {other}"))),
            };
            indexes.push(IndexDefinition {
                name: name.to_owned(),
                key_schema: parse_keys(
                    &i["KeySchema"],
                    "GlobalSecondaryIndexes[].KeySchema",
                    &attributes,
                )?,
                projection,
            });
        }
    }

    let billing_mode = match &props["BillingMode"] {
        Yaml::BadValue => BillingMode::Provisioned,
        node => match text(node, "Table.Properties.BillingMode")? {
            "PAY_PER_REQUEST" => BillingMode::PayPerRequest,
            "PROVISIONED" => BillingMode::Provisioned,
            other => return Err(bad(format!("unknown BillingMode {other}"))),
        },
    };
    let provisioned = if billing_mode == BillingMode::Provisioned {
        let p = &props["ProvisionedThroughput"];
        let units = |name: &str| {
            p[name]
                .as_i64()
                .or_else(|| p[name].as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| bad(format!("ProvisionedThroughput.{name} must be a number")))
        };
        Some((units("ReadCapacityUnits")?, units("WriteCapacityUnits")?))
    } else {
        None
    };

    let ttl = &props["TimeToLiveSpecification"];
    let ttl_attribute = if ttl.is_badvalue() {
        None
    } else {
        let enabled = ttl["Enabled"]
            .as_bool()
            .or_else(|| {
                ttl["Enabled"]
                    .as_str()
                    .map(|s| s.eq_ignore_ascii_case("true"))
            })
            .unwrap_or(false);
        enabled
            .then(|| {
                text(
                    &ttl["AttributeName"],
                    "TimeToLiveSpecification.AttributeName",
                )
            })
            .transpose()?
            .map(str::to_owned)
    };

    Ok(TableDefinition {
        attributes,
        key_schema,
        billing_mode,
        provisioned,
        ttl_attribute,
        indexes,
    })
}

/// A `KeySchema` list, each key among the `AttributeDefinitions`.
fn parse_keys(
    node: &Yaml,
    what: &str,
    attributes: &[(String, ScalarAttributeType)],
) -> Result<Vec<(String, KeyType)>, Parse> {
    let mut key_schema = Vec::new();
    for k in node
        .as_vec()
        .ok_or_else(|| bad(format!("{what} must be a list")))?
    {
        let name = text(&k["AttributeName"], "KeySchema[].AttributeName")?;
        let kind = match text(&k["KeyType"], "KeySchema[].KeyType")? {
            "HASH" => KeyType::Hash,
            "RANGE" => KeyType::Range,
            other => return Err(bad(format!("key {name}: unknown key type {other}"))),
        };
        if !attributes.iter().any(|(a, _)| a == name) {
            return Err(bad(format!(
                "key {name} is not among the AttributeDefinitions"
            )));
        }
        key_schema.push((name.to_owned(), kind));
    }
    if key_schema.is_empty() {
        return Err(bad(format!("{what} is empty")));
    }
    Ok(key_schema)
}

/// What `create_table` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    AlreadyExisted,
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

/// Creates table `name` as defined, waits until it is active, and makes sure TTL is on. A table
/// that already exists is left as it is, apart from turning TTL on if it is off, adding an index
/// the template has and it lacks, and putting the users it already holds in the organisation
/// index ([`backfill_org_index`]).
pub async fn create_table(
    client: &Client,
    name: &str,
    def: &TableDefinition,
) -> Result<Outcome, TableError> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(def.billing_mode.clone());
    for (attribute, kind) in &def.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(kind.clone())
                .build()
                .map_err(|e| TableError::Aws {
                    operation: "CreateTable",
                    message: e.to_string(),
                })?,
        );
    }
    for (attribute, kind) in &def.key_schema {
        request = request.key_schema(
            KeySchemaElement::builder()
                .attribute_name(attribute)
                .key_type(kind.clone())
                .build()
                .map_err(|e| TableError::Aws {
                    operation: "CreateTable",
                    message: e.to_string(),
                })?,
        );
    }
    if let Some((read, write)) = def.provisioned {
        request = request.provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(read)
                .write_capacity_units(write)
                .build()
                .map_err(|e| TableError::Aws {
                    operation: "CreateTable",
                    message: e.to_string(),
                })?,
        );
    }
    for index in &def.indexes {
        request = request.global_secondary_indexes(index_request(index, def.provisioned)?);
    }
    let outcome = match request.send().await {
        Ok(_) => Outcome::Created,
        Err(e) if e.code() == Some("ResourceInUseException") => Outcome::AlreadyExisted,
        Err(e) => return Err(aws("CreateTable", e)),
    };
    wait_active(client, name).await?;
    if outcome == Outcome::AlreadyExisted {
        add_missing_indexes(client, name, def).await?;
        backfill_org_index(client, name).await?;
    }
    if let Some(attribute) = &def.ttl_attribute {
        enable_ttl(client, name, attribute).await?;
    }
    Ok(outcome)
}

fn build_error(e: impl std::fmt::Display) -> TableError {
    TableError::Aws {
        operation: "CreateTable",
        message: e.to_string(),
    }
}

fn index_request(
    index: &IndexDefinition,
    provisioned: Option<(i64, i64)>,
) -> Result<GlobalSecondaryIndex, TableError> {
    let mut b = GlobalSecondaryIndex::builder()
        .index_name(&index.name)
        .projection(
            Projection::builder()
                .projection_type(index.projection.clone())
                .build(),
        );
    for (attribute, kind) in &index.key_schema {
        b = b.key_schema(
            KeySchemaElement::builder()
                .attribute_name(attribute)
                .key_type(kind.clone())
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some((read, write)) = provisioned {
        b = b.provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(read)
                .write_capacity_units(write)
                .build()
                .map_err(build_error)?,
        );
    }
    b.build().map_err(build_error)
}

/// Waits until the table and every index of it are active.
async fn wait_active(client: &Client, name: &str) -> Result<(), TableError> {
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(std::time::Duration::from_secs(300))
        .await
        .map_err(|e| TableError::Aws {
            operation: "DescribeTable",
            message: format!(
                "table {name} did not become active: {}",
                DisplayErrorContext(&e)
            ),
        })?;
    for _ in 0..300 {
        let table = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| aws("DescribeTable", e))?
            .table;
        let building = table
            .map(|t| {
                t.global_secondary_indexes()
                    .iter()
                    .any(|i| i.index_status() != Some(&IndexStatus::Active))
            })
            .unwrap_or(false);
        if !building {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    Err(TableError::Aws {
        operation: "DescribeTable",
        message: format!("an index of table {name} did not become active"),
    })
}

/// User items written before the organisation index existed lack its partition key, `memberOf`
/// (the store's `adapters::dynamodb` layout: user items are `EMAIL#…` and carry `orgId`), so
/// `GET /users` would not list them. This copies `orgId` into `memberOf` on each of them, once:
/// an item that has it is left alone. Returns how many it updated.
pub async fn backfill_org_index(client: &Client, table: &str) -> Result<usize, TableError> {
    let mut updated = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .filter_expression(
                "begins_with(pk, :user) AND attribute_exists(orgId) AND attribute_not_exists(memberOf)",
            )
            .expression_attribute_values(":user", AttributeValue::S("EMAIL#".into()))
            .projection_expression("pk, orgId")
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| aws("Scan", e))?;
        for item in page.items() {
            let (Some(pk), Some(org)) = (item.get("pk"), item.get("orgId")) else {
                continue;
            };
            let result = client
                .update_item()
                .table_name(table)
                .key("pk", pk.clone())
                .update_expression("SET memberOf = :org")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(memberOf)")
                .expression_attribute_values(":org", org.clone())
                .send()
                .await;
            match result {
                Ok(_) => updated += 1,
                // Written meanwhile (by the store, or another run of this tool): nothing to do.
                Err(e) if e.code() == Some("ConditionalCheckFailedException") => {}
                Err(e) => return Err(aws("UpdateItem", e)),
            }
        }
        start = page.last_evaluated_key.filter(|k| !k.is_empty());
        if start.is_none() {
            return Ok(updated);
        }
    }
}

/// A table made before an index was added to the template gets it now (one `UpdateTable` per
/// index, as DynamoDB requires), and the tool waits until it is built.
async fn add_missing_indexes(
    client: &Client,
    name: &str,
    def: &TableDefinition,
) -> Result<(), TableError> {
    let existing: Vec<String> = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| aws("DescribeTable", e))?
        .table
        .map(|t| {
            t.global_secondary_indexes()
                .iter()
                .filter_map(|i| i.index_name().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for index in def.indexes.iter().filter(|i| !existing.contains(&i.name)) {
        let gsi = index_request(index, def.provisioned)?;
        let mut create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(gsi.index_name())
            .set_key_schema(Some(gsi.key_schema().to_vec()))
            .set_projection(gsi.projection().cloned());
        if let Some(p) = gsi.provisioned_throughput() {
            create = create.provisioned_throughput(p.clone());
        }
        let mut update = client.update_table().table_name(name);
        for (attribute, kind) in &def.attributes {
            update = update.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(kind.clone())
                    .build()
                    .map_err(build_error)?,
            );
        }
        update
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder()
                    .create(create.build().map_err(build_error)?)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws("UpdateTable", e))?;
        wait_active(client, name).await?;
    }
    Ok(())
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), TableError> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| aws("DescribeTimeToLive", e))?;
    if let Some(d) = current.time_to_live_description() {
        let on = matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        if on && d.attribute_name() == Some(attribute) {
            return Ok(());
        }
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(|e| TableError::Aws {
            operation: "UpdateTimeToLive",
            message: e.to_string(),
        })?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| aws("UpdateTimeToLive", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: !Ref Stage
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "onboarding-${Stage}"
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      BillingMode: PAY_PER_REQUEST
      TimeToLiveSpecification:
        AttributeName: expiresAt
        Enabled: true
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          ARN: !GetAtt Table.Arn
      Policies:
        - !If [IsProd, !Ref "AWS::NoValue", { Statement: [] }]
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"
"#;

    #[test]
    fn the_table_is_read_from_a_template_full_of_short_tags() {
        let def = parse_definition(TEMPLATE).unwrap();
        assert_eq!(
            def,
            TableDefinition {
                attributes: vec![("pk".into(), ScalarAttributeType::S)],
                key_schema: vec![("pk".into(), KeyType::Hash)],
                billing_mode: BillingMode::PayPerRequest,
                provisioned: None,
                ttl_attribute: Some("expiresAt".into()),
                indexes: vec![],
            }
        );
    }

    #[test]
    fn a_template_without_the_table_says_what_is_missing() {
        let e = parse_definition("Resources:\n  Other:\n    Type: AWS::SNS::Topic\n").unwrap_err();
        assert_eq!(e, bad("no resource `Table` under Resources"));
    }

    #[test]
    fn a_key_that_is_not_defined_as_an_attribute_is_refused() {
        let t = TEMPLATE.replace(
            "AttributeName: pk\n          KeyType",
            "AttributeName: id\n          KeyType",
        );
        assert!(matches!(parse_definition(&t), Err(Parse::Definition(m)) if m.contains("key id")));
    }

    #[test]
    fn a_disabled_ttl_is_not_turned_on() {
        let t = TEMPLATE.replace("Enabled: true", "Enabled: false");
        assert_eq!(parse_definition(&t).unwrap().ttl_attribute, None);
    }

    #[test]
    fn the_workspace_template_defines_the_table_the_store_expects() {
        let def = read_definition(&default_template_path()).unwrap();
        assert_eq!(def.key_schema, vec![("pk".into(), KeyType::Hash)]);
        assert_eq!(def.billing_mode, BillingMode::PayPerRequest);
        assert_eq!(def.ttl_attribute.as_deref(), Some("expiresAt"));
        // The organisation index that lists an organisation's users (`adapters::dynamodb::crew`)
        // and the outbox's sparse index that the schedule sweeps (`adapters::dynamodb::mail`).
        assert_eq!(
            def.indexes,
            vec![
                IndexDefinition {
                    name: "byOrg".into(),
                    key_schema: vec![
                        ("memberOf".into(), KeyType::Hash),
                        ("createdAt".into(), KeyType::Range)
                    ],
                    projection: ProjectionType::All,
                },
                IndexDefinition {
                    name: "mailQueue".into(),
                    key_schema: vec![
                        ("mailQueue".into(), KeyType::Hash),
                        ("mailDue".into(), KeyType::Range)
                    ],
                    projection: ProjectionType::All,
                }
            ]
        );
    }
}
