//! Trainable models with exact, hand-derived gradients (checked against central finite
//! differences): the multiclass linear model and a two-layer sigmoid network (file 01), margin
//! losses with closed-form robust versions (file 06), two-layer homogeneous networks, diagonal and
//! deep linear networks (file 02), and a two-hidden-layer ReLU MLP with biases for the
//! learning-rate sweep (file 03).

pub mod deep_linear;
pub mod diagonal;
pub mod loss;
pub mod mlp;
pub mod multiclass;
pub mod sigmoid_net;
pub mod two_layer;
