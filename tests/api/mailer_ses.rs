//! The mailer contract on the SES v2 mailer against moto server, reading what was sent back from
//! `/moto-api/data.json`. Needs `--features services` and `SES_TEST_ENDPOINT` (`make test`).

use tests::services::MotoMailbox;

tests::mailer_contract!(MotoMailbox::fresh);
