//! Models: parameters, forward pass, loss and exact gradients.

pub mod multiclass;
pub mod sigmoid_net;
