//! Reading the `Table` resource of `template.yaml` into what `CreateTable` needs. Only the
//! table's own properties are read; CloudFormation's short tags elsewhere are tolerated.

use aws_sdk_dynamodb::types::{BillingMode, KeyType, ProjectionType, ScalarAttributeType};
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

use super::TableError;

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
        // and its audit log, the outbox's sparse index that the schedule sweeps
        // (`adapters::dynamodb::outbox`, and the webhooks' queues), and the audit log's index of
        // one user's events (`adapters::dynamodb::audit`).
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
                },
                IndexDefinition {
                    name: "byUser".into(),
                    key_schema: vec![
                        ("auditUser".into(), KeyType::Hash),
                        ("createdAt".into(), KeyType::Range)
                    ],
                    projection: ProjectionType::All,
                }
            ]
        );
    }
}
