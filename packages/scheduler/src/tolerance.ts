/**
 * Resource limits come from float allocation ratios and usage is a running sum of float requests
 * (0.1 + 0.2 !== 0.3), so an exact fit must not be rejected by rounding noise.
 */
export const EPSILON = 1e-9;
