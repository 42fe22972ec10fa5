//! particles/fates.csv: one row per planned particle with where it ended (issue 19):
//! id (as in particles_*.vtp), agent, diameter, release time, fate, final position,
//! where (the opening it left through, or the branch it lodged in) and the output at
//! which the fate was first seen (it happened within the output interval before),
//! and with a catheter whether it went back past the tip (reflux).

use crate::particles::plan::state;
use std::io::Write;
use std::path::Path;

/// What the fates need besides the particles' states and positions.
pub struct FateContext<'a> {
    pub agents: &'a [String],
    pub diameters_m: &'a [f64],
    /// Opening names by index.
    pub openings: &'a [String],
    /// Per grid cell: the outlet (opening index) it drains to, or `u32::MAX`.
    pub branch_of_cell: &'a [u32],
    pub dt_s: f64,
    pub dx_m: f64,
    pub origin_m: [f64; 3],
    /// Per particle: the step of the output that first saw its fate (0: not yet).
    pub fate_step: &'a [u64],
    /// Per particle: went back past the catheter tip (`None`: no catheter).
    pub refluxed: Option<&'a [bool]>,
}

/// The name of a particle state in fates.csv.
fn fate_name(s: u32) -> &'static str {
    match s {
        state::WAITING => "waiting",
        state::FREE => "free",
        state::LODGED => "lodged",
        state::STUCK => "stuck",
        _ => "exited",
    }
}

/// Where a particle ended: the opening it left through ("outside" off the grid), the
/// branch (outlet) a lodged or stuck particle's cell drains to, else empty.
fn place(c: &FateContext, status: [u32; 4]) -> String {
    let name = |k: usize| c.openings.get(k).cloned().unwrap_or_default();
    match status[0] {
        state::EXITED if status[3] == state::OUTSIDE => "outside".into(),
        state::EXITED => name(status[3] as usize),
        state::LODGED | state::STUCK => match c.branch_of_cell.get(status[3] as usize) {
            Some(&k) if k != u32::MAX => format!("branch {}", name(k as usize)),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Writes fates.csv for every planned particle.
pub fn write_fates(
    path: &Path,
    c: &FateContext,
    status: &[[u32; 4]],
    positions: &[[f32; 4]],
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        w,
        "id,agent,diameter [m],release time [s],fate,x [m],y [m],z [m],where,seen by [s],refluxed"
    )?;
    for (i, (s, p)) in status.iter().zip(positions).enumerate() {
        let at: [f64; 3] = std::array::from_fn(|a| c.origin_m[a] + p[a] as f64 * c.dx_m);
        let seen = match c.fate_step.get(i) {
            Some(&step) if step > 0 => format!("{:e}", step as f64 * c.dt_s),
            _ => String::new(),
        };
        let refluxed = match c.refluxed {
            Some(r) => (r.get(i) == Some(&true)).to_string(),
            None => String::new(),
        };
        writeln!(
            w,
            "{i},{},{:e},{:e},{},{:e},{:e},{:e},{},{seen},{refluxed}",
            c.agents.get(s[1] as usize).map_or("", String::as_str),
            c.diameters_m.get(i).copied().unwrap_or(f64::NAN),
            s[2] as f64 * c.dt_s,
            fate_name(s[0]),
            at[0],
            at[1],
            at[2],
            place(c, *s),
        )?;
    }
    w.flush()
}
