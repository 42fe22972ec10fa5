// Readers of the wall-link table for the step kernels with interpolated walls only
// (src/kernels/lbm.rs, `step`; halfway kernels leave them out). CPU twin:
// lbm::wall_links::entry_links.
// The wall-link table's entries (src/lbm/wall_links.rs): a header (cut directions in
// bits 1-18, then one bit per link with q_w >= 1/2 from LINK_FAR_SHIFT by rank), the
// q_w two per word in 16-bit fixed point, LINK_WALL_WORDS of wall plane, then the
// copies of f*_q(x) for the links with q_w >= 1/2.
// q_w of the link of rank `rank` (its place among the cell's links by increasing q).
fn link_distance(at: u32, rank: u32) -> f32 {
    let word = wall_links[at + 1u + rank / 2u];
    return f32((word >> (16u * (rank % 2u))) & 0xffffu) * LINK_DISTANCE_UNIT;
}

// Whether the link of rank `rank` has q_w >= 1/2 (reads f*_q(x), so has a copy slot).
fn link_is_far(header: u32, rank: u32) -> bool {
    return ((header >> (LINK_FAR_SHIFT + rank)) & 1u) != 0u;
}

// The slot of the copy of f*_q(x) of a far link of rank `rank` in an entry of
// `count` links at `at`.
fn link_away_slot(at: u32, header: u32, count: u32, rank: u32) -> u32 {
    let far_below = (header >> LINK_FAR_SHIFT) & ((1u << rank) - 1u);
    return at + 1u + (count + 1u) / 2u + LINK_WALL_WORDS + countOneBits(far_below);
}
