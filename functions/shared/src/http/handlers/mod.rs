//! The handlers behind the routes: each turns a request into one service operation and its
//! outcome into an answer through the responder. None talks to the ports (store, mail).

pub mod account;
pub mod batch;
pub mod links;
pub mod login;
pub mod users;
