// Advances the step state from a schedule the host writes for each batch of steps:
// one thread, dispatched before every stream_collide when inflow or force vary in
// time. counter[0] indexes the schedule; the host resets it with each batch.

@group(0) @binding(0) var<storage, read> schedule: array<StepState>;
@group(0) @binding(1) var<storage, read_write> step_state: StepState;
@group(0) @binding(2) var<storage, read_write> counter: array<u32>;
// Declared for the shared snippets; unused here.
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(1)
fn advance_clock() {
    let k = min(counter[0], arrayLength(&schedule) - 1u);
    step_state = schedule[k];
    counter[0] = counter[0] + 1u;
}
