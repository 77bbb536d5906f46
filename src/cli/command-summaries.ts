/**
 * One line per `df-planner` command, for the command list and each command's --help. Kept apart from the
 * command modules so that `df-planner --help` lists them without loading any (tfjs alone takes seconds).
 */
export const COMMAND_SUMMARIES = {
  schedule: 'print a scheduling matrix (pyramid, full_sequence, autoregressive, trapezoid) or check one',
  train: 'train a Diffusion Forcing model on a task and write a model directory',
  sample: 'sample sequences from a trained model (tokens as a table or JSON, optional PNG)',
  dataset: 'generate a dataset with statistics: Maze2D (D4RL waypoint expert + noise) or arm-swap demos',
  eval: 'evaluate the planner or a baseline policy on Maze2D: normalised score, success, first reach, latency',
  bench: 'benchmarks (JSON out): bench train | sample | sim | plan | node | latency',
  demo: 'demo: sample the shipped oscillator model, time a plan, compare with data, write runs/demo.png',
  node: 'run the planner as a ROS 2 node (or on the in-process bus)',
  'sim-node': 'run the MuJoCo maze as a ROS 2 node (odom, reward, /clock, goal; takes cmd_force)',
  run: 'main job: sim node + planner node on the bus, live progress, score and a trajectory PNG',
} as const;

export type CommandName = keyof typeof COMMAND_SUMMARIES;
