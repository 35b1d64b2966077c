//! Creating the table as the template defines it, on any endpoint: its indexes, waiting until
//! it is active, and TTL. An existing table is brought up to the template (a missing index, TTL
//! off) and migrated ([`super::backfill_org_index`]).

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, Projection, ProvisionedThroughput,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;

use super::{aws, backfill_org_index, build_error, IndexDefinition, TableDefinition, TableError};

/// What `create_table` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    AlreadyExisted,
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
        // The one-off migration of tables older than the organisation index; it goes with
        // `org_index_backfill` (see there for when).
        backfill_org_index(client, name).await?;
    }
    if let Some(attribute) = &def.ttl_attribute {
        enable_ttl(client, name, attribute).await?;
    }
    Ok(outcome)
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
