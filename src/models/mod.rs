//! Trainable models with hand-derived gradients (checked against central finite differences).
pub mod deep_linear;
pub mod diagonal;
pub mod loss;
pub mod two_layer;
