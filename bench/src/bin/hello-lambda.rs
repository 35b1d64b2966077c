//! The bench's floor: the smallest `lambda_http` function, answering every request with
//! "hello". The functions' cold start is reported as a ratio to this one's, in the same run.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
