/**
 * MJCF of the fruit-swap arm scene, primitive geoms only (no meshes): a table, three slot markers,
 * a 4-DoF arm (yaw, shoulder, elbow, wrist) with a parallel two-finger gripper, and two free cylinders that
 * differ only in colour (apple red, orange orange). Numbers are in geometry.ts; docs/arm-swap.md explains them.
 *
 * Why it is built this way:
 *  - Every arm body has gravcomp="1", so the position servos hold targets with no steady-state sag.
 *  - Only the table, the palm, the finger pads and the fruits collide (class `col`, condim 4 with torsional
 *    friction so a squeezed cylinder does not spin); arm capsules are visual. Contacts between the two
 *    fingers are excluded; parent–child pairs (hand–finger) are filtered by MuJoCo by default.
 *  - The table is a thin box, not a plane: with a plane, this engine build (3.5.1 WASM) dropped a resting
 *    cylinder's table contacts when the arm came near the other fruit, and the fruit fell through (seen in
 *    a scripted demo; test/sim/arm/arm-env.test.ts keeps resting fruits on the table). `multiccd` gives the
 *    flat box–cylinder face contact several points, so a fruit stands stably.
 *  - Elliptic friction cones with impratio 10 make the friction grasp stiff, so the fruit does not creep.
 *  - One inactive weld per fruit ties it to the hand: the fallback grasp for very low friction or crude
 *    policies. The env activates it at run time after writing the current relative pose into eq_data.
 */
import {
  ARM_JOINT_RANGES,
  ARM_JOINTS,
  FINGER_OPEN,
  FOREARM_LENGTH,
  FRUIT_HALF_HEIGHT,
  FRUIT_MASS,
  FRUIT_RADIUS,
  FRUITS,
  GRASP_OFFSET,
  SHOULDER_HEIGHT,
  SLOT_HALF_SIZE,
  SLOTS,
  UPPER_ARM_LENGTH,
} from './geometry.js';

export interface ArmMjcfOptions {
  /** Friction coefficient of the finger pads (default 1.5). */
  readonly padFriction?: number;
  /** Sliding friction of the fruits (default 1). */
  readonly fruitFriction?: number;
}

const FRUIT_RGBA: Record<(typeof FRUITS)[number], string> = {
  apple: '0.85 0.1 0.1 1',
  orange: '1 0.55 0 1',
};

export function armMjcf(options: ArmMjcfOptions = {}): string {
  const pad = options.padFriction ?? 1.5;
  const fruitMu = options.fruitFriction ?? 1;
  const range = (k: number) => ARM_JOINT_RANGES[k]!.join(' ');
  const slots = Object.entries(SLOTS)
    .map(
      ([name, [x, y]]) =>
        `    <site name="slot${name}" type="box" pos="${x} ${y} 0.0005" size="${SLOT_HALF_SIZE} ${SLOT_HALF_SIZE} 0.0005" rgba="0.6 0.6 0.6 0.4"/>`,
    )
    .join('\n');
  const fruits = FRUITS.map(
    (name) => `    <body name="${name}" pos="0 0 ${FRUIT_HALF_HEIGHT}">
      <freejoint name="${name}"/>
      <geom name="${name}" class="col" type="cylinder" size="${FRUIT_RADIUS} ${FRUIT_HALF_HEIGHT}" mass="${FRUIT_MASS}" friction="${fruitMu} 0.02 0.001" rgba="${FRUIT_RGBA[name]}"/>
    </body>`,
  ).join('\n');
  const welds = FRUITS.map(
    (name) => `    <weld name="grip_${name}" body1="hand" body2="${name}" active="false"/>`,
  ).join('\n');
  const finger = (
    side: 'L' | 'R',
    sign: 1 | -1,
  ) => `            <body name="finger${side}" pos="0.07 0 0" gravcomp="1">
              <joint name="finger${side}" type="slide" axis="0 ${sign} 0" range="0 ${FINGER_OPEN}" damping="2"/>
              <geom name="pad${side}" class="col" type="box" pos="0.04 ${sign * 0.006} 0" size="0.04 0.006 0.012" mass="0.03" friction="${pad} 0.02 0.001" rgba="0.3 0.3 0.3 1"/>
            </body>`;
  const [yaw, shoulder, elbow, wrist] = ARM_JOINTS;
  return `<mujoco model="arm_swap">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="0.002" integrator="implicitfast" cone="elliptic" impratio="10">
    <flag multiccd="enable"/>
  </option>
  <default>
    <joint armature="0.01" damping="0.5"/>
    <geom contype="0" conaffinity="0" density="800" rgba="0.7 0.7 0.75 1"/>
    <default class="col">
      <geom contype="1" conaffinity="1" condim="4" friction="1 0.02 0.001" solref="0.005 1" solimp="0.95 0.99 0.001"/>
    </default>
  </default>
  <worldbody>
    <geom name="table" class="col" type="box" pos="0 0 -0.02" size="0.8 0.8 0.02" rgba="0.8 0.75 0.65 1"/>
${slots}
    <geom name="pedestal" type="cylinder" pos="0 0 0.06" size="0.045 0.06"/>
    <body name="base" pos="0 0 ${SHOULDER_HEIGHT}" gravcomp="1">
      <joint name="${yaw}" axis="0 0 1" range="${range(0)}"/>
      <geom type="cylinder" size="0.04 0.03"/>
      <body name="upper" gravcomp="1">
        <joint name="${shoulder}" axis="0 -1 0" range="${range(1)}"/>
        <geom type="capsule" fromto="0 0 0 ${UPPER_ARM_LENGTH} 0 0" size="0.025"/>
        <body name="fore" pos="${UPPER_ARM_LENGTH} 0 0" gravcomp="1">
          <joint name="${elbow}" axis="0 -1 0" range="${range(2)}"/>
          <geom type="capsule" fromto="0 0 0 ${FOREARM_LENGTH} 0 0" size="0.02"/>
          <body name="hand" pos="${FOREARM_LENGTH} 0 0" gravcomp="1">
            <joint name="${wrist}" axis="0 -1 0" range="${range(3)}"/>
            <geom type="capsule" fromto="0 0 0 0.05 0 0" size="0.015"/>
            <geom name="palm" class="col" type="box" pos="0.06 0 0" size="0.01 0.055 0.02"/>
            <site name="grasp" pos="${GRASP_OFFSET} 0 0" size="0.005"/>
${finger('L', 1)}
${finger('R', -1)}
          </body>
        </body>
      </body>
    </body>
${fruits}
  </worldbody>
  <contact>
    <exclude body1="fingerL" body2="fingerR"/>
  </contact>
  <equality>
${welds}
  </equality>
  <actuator>
    <position name="${yaw}" joint="${yaw}" kp="150" kv="8" ctrlrange="${range(0)}"/>
    <position name="${shoulder}" joint="${shoulder}" kp="150" kv="8" ctrlrange="${range(1)}"/>
    <position name="${elbow}" joint="${elbow}" kp="150" kv="8" ctrlrange="${range(2)}"/>
    <position name="${wrist}" joint="${wrist}" kp="75" kv="4" ctrlrange="${range(3)}"/>
    <position name="fingerL" joint="fingerL" kp="300" kv="5" ctrlrange="0 ${FINGER_OPEN}" forcerange="-12 12"/>
    <position name="fingerR" joint="fingerR" kp="300" kv="5" ctrlrange="0 ${FINGER_OPEN}" forcerange="-12 12"/>
  </actuator>
</mujoco>
`;
}
