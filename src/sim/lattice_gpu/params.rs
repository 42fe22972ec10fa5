//! What the step kernels read besides populations and tables: the run's constant
//! settings (`Params` in shaders/common/lattice.wgsl) and the state that may change
//! from step to step (`StepState`), which a schedule written by the host advances on
//! the GPU.

use crate::lbm::rheology::LatticeRheology;
use crate::lbm::Relaxation;

/// Most steps one schedule (see [`super::GpuLattice::set_schedule`]) can hold.
pub const SCHEDULE_CAPACITY: usize = 4096;

/// The layout of `Params` in shaders/common/lattice.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct GpuParams {
    omega_plus: f32,
    omega_minus: f32,
    inlet_scale: f32,
    magic: f32,
    force: [f32; 4],
    rheology_a: [f32; 4],
    rheology_b: [f32; 4],
    rheology_conv: [f32; 4],
    valve: [f32; 4],
}

/// The settings `Params` is made from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepSettings {
    pub relaxation: Relaxation,
    pub rheology: Option<LatticeRheology>,
    pub smagorinsky: Option<f32>,
    pub force: [f32; 3],
    /// Factor on every inlet velocity.
    pub inlet_scale: f32,
    /// An antireflux catheter tip's direction (its seal drags only flow against it).
    pub valve_direction: [f32; 3],
}

impl StepSettings {
    pub fn gpu_params(&self) -> GpuParams {
        let (coefficients, conv) = match self.rheology {
            Some(r) => (
                r.coefficients(),
                [
                    r.shear_rate_per_lattice as f32,
                    r.lattice_viscosity_per_si as f32,
                    r.tau_min as f32,
                    r.tau_max as f32,
                ],
            ),
            None => ([0.0; 8], [0.0; 4]),
        };
        let force = self.force;
        GpuParams {
            omega_plus: self.relaxation.omega_plus,
            omega_minus: self.relaxation.omega_minus,
            inlet_scale: self.inlet_scale,
            magic: self.relaxation.kernel_magic(),
            force: [force[0], force[1], force[2], 0.0],
            rheology_a: [
                coefficients[0],
                coefficients[1],
                coefficients[2],
                coefficients[3],
            ],
            // b.w carries C_s² for the Smagorinsky model (unused by every viscosity law).
            rheology_b: [
                coefficients[4],
                coefficients[5],
                coefficients[6],
                self.smagorinsky.map_or(0.0, |c| c * c),
            ],
            rheology_conv: conv,
            valve: [
                self.valve_direction[0],
                self.valve_direction[1],
                self.valve_direction[2],
                0.0,
            ],
        }
    }

    /// The kernel switches of the collision: viscosity law and subgrid model.
    pub fn model_constants(&self) -> Vec<(&'static str, f64)> {
        vec![
            (
                "RHEOLOGY",
                self.rheology.map_or(0, |r| r.kernel_id()) as f64,
            ),
            ("SMAGORINSKY", self.smagorinsky.is_some() as u32 as f64),
            (
                "REGULARIZED",
                self.relaxation.model.is_regularized() as u32 as f64,
            ),
        ]
    }
}

/// What may change from step to step: a factor on every inlet velocity and the body
/// force (lattice units). Layout of `StepState` in shaders/common/lattice.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct StepState {
    pub inlet_factor: f32,
    pub time_step: f32,
    /// Factor on every moving wall's velocity (a catheter's injection flow).
    pub wall_factor: f32,
    pub _pad: f32,
    pub force: [f32; 4],
    /// (cos nωt, sin nωt) for the inflow harmonics n = 1..8 (Womersley inlets).
    pub harmonics: [[f32; 4]; 4],
    /// δρ of the outlets whose pressure follows a waveform, by slot
    /// ([`crate::lbm::outlets::OutletModel::ScheduledPressure`]).
    pub outlet_pressure: [[f32; 4]; 2],
}

impl StepState {
    pub fn new(time_step: u64, inlet_factor: f32, force: [f32; 3]) -> Self {
        StepState {
            inlet_factor,
            time_step: time_step as f32,
            wall_factor: 1.0,
            _pad: 0.0,
            force: [force[0], force[1], force[2], 0.0],
            harmonics: [[0.0; 4]; 4],
            outlet_pressure: [[0.0; 4]; 2],
        }
    }

    /// Sets the factor on moving walls' velocities.
    pub fn with_wall_factor(mut self, factor: f32) -> Self {
        self.wall_factor = factor;
        self
    }

    /// Sets the δρ of scheduled-pressure outlet `slot`.
    pub fn with_outlet_pressure(mut self, slot: usize, delta_density: f32) -> Self {
        self.outlet_pressure[slot / 4][slot % 4] = delta_density;
        self
    }

    /// Sets the harmonics' phases for angular frequency ω [1/step] at time t [steps].
    pub fn with_harmonics(mut self, omega: f64, t: f64) -> Self {
        for n in 0..8 {
            let phase = (n + 1) as f64 * omega * t;
            self.harmonics[n / 2][2 * (n % 2)] = phase.cos() as f32;
            self.harmonics[n / 2][2 * (n % 2) + 1] = phase.sin() as f32;
        }
        self
    }
}
