// Advances the step state from a schedule the host writes for each batch of steps:
// one thread, dispatched before every stream_collide when inflow or force vary in
// time. counter[0] indexes the schedule; the host resets it with each batch.
// Bindings: src/kernels/lbm.rs (clock).

@compute @workgroup_size(1)
fn advance_clock() {
    let k = min(counter[0], arrayLength(&schedule) - 1u);
    step_state = schedule[k];
    counter[0] = counter[0] + 1u;
}
