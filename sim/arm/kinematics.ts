/**
 * Closed-form kinematics of the 4-DoF arm with the hand pointing straight down (pure math, no I/O).
 *
 * Notation (geometry.ts): ψ yaw, θ₁ shoulder, θ₂ elbow, θ₃ wrist; L₁, L₂ link lengths; G the grasp offset;
 * h the shoulder height. Pitch joints turn about −y, so a positive angle lifts the link. In the arm's
 * vertical plane (radial distance ρ, height z):
 *   elbow  = (L₁ cos θ₁,            h + L₁ sin θ₁)
 *   wrist  = elbow + L₂ (cos(θ₁+θ₂), sin(θ₁+θ₂))
 *   grasp  = wrist + G (cos φ, sin φ),  φ = θ₁ + θ₂ + θ₃
 *   world  = (ρ cos ψ, ρ sin ψ, z)
 * IK for a grasp target (x, y, z) with the hand down (φ = −π/2):
 *   ψ = atan2(y, x), ρ = hypot(x, y); the wrist must sit at (ρ, z + G), i.e. (u, v) = (ρ, z + G − h) from the
 *   shoulder, d = |(u, v)|;
 *   cos θ₂ = (d² − L₁² − L₂²)/(2 L₁ L₂), θ₂ = −acos(·) (elbow up: the elbow stays above the wrist line);
 *   θ₁ = atan2(v, u) − atan2(L₂ sin θ₂, L₁ + L₂ cos θ₂);  θ₃ = −π/2 − θ₁ − θ₂.
 * Out-of-reach targets are pulled onto the reachable shell (d clamped to [|L₁−L₂|, L₁+L₂] with a small
 * margin) and every angle is clamped to its joint range, so any finite target gives valid servo targets.
 */
import {
  ARM_JOINT_RANGES,
  GRASP_OFFSET as G,
  SHOULDER_HEIGHT as H,
  UPPER_ARM_LENGTH as L1,
  FOREARM_LENGTH as L2,
} from './geometry.js';

const REACH_MARGIN = 1e-4;

/** Joint angles [ψ, θ₁, θ₂, θ₃] that put the grasp point at `target` (x, y, z) with the hand down. */
export function armIk(target: ArrayLike<number>, out: Float64Array = new Float64Array(4)): Float64Array {
  const x = target[0]!;
  const y = target[1]!;
  const z = target[2]!;
  const yaw = Math.atan2(y, x);
  let u = Math.hypot(x, y);
  let v = z + G - H;
  const d = Math.hypot(u, v);
  const dMin = Math.abs(L1 - L2) + REACH_MARGIN;
  const dMax = L1 + L2 - REACH_MARGIN;
  if (d > dMax || d < dMin) {
    const scale = d > 0 ? Math.min(dMax, Math.max(dMin, d)) / d : 1;
    u = d > 0 ? u * scale : dMin;
    v *= scale;
  }
  const dd = u * u + v * v;
  const c2 = Math.min(1, Math.max(-1, (dd - L1 * L1 - L2 * L2) / (2 * L1 * L2)));
  const elbow = -Math.acos(c2);
  const shoulder = Math.atan2(v, u) - Math.atan2(L2 * Math.sin(elbow), L1 + L2 * Math.cos(elbow));
  const wrist = -Math.PI / 2 - shoulder - elbow;
  out[0] = yaw;
  out[1] = shoulder;
  out[2] = elbow;
  out[3] = wrist;
  for (let k = 0; k < 4; k++) {
    const [lo, hi] = ARM_JOINT_RANGES[k]!;
    out[k] = Math.min(hi, Math.max(lo, out[k]!));
  }
  return out;
}

/** Grasp-point position (x, y, z) for joint angles q = [ψ, θ₁, θ₂, θ₃]. */
export function armFk(q: ArrayLike<number>): [number, number, number] {
  const [yaw, s, e, w] = [q[0]!, q[1]!, q[2]!, q[3]!];
  const rho = L1 * Math.cos(s) + L2 * Math.cos(s + e) + G * Math.cos(s + e + w);
  const z = H + L1 * Math.sin(s) + L2 * Math.sin(s + e) + G * Math.sin(s + e + w);
  return [rho * Math.cos(yaw), rho * Math.sin(yaw), z];
}
