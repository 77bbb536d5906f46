"""Maze2D on ROS 2: the MuJoCo maze sim node and the Diffusion Forcing planner node (df-planner, rclnodejs).

Both nodes are Node.js programs started from this checkout (docs/ros2.md §2.1, way B: launch_ros `Node` with
the executable `node` and no ROS package), so `ros2 launch` adds `--ros-args` (node name, params files, -p) for
them. Parameters come from launch/params/maze2d.yaml and from the launch arguments below (task, model, lockstep,
use_sim_time), which launch_ros passes as `-p name:=value` (each `Parameter(...)` entry).

Precedence is rclnodejs's, not "the last one wins": a node takes the `/**` values (plain `-p`, a file's `/**`
section) and then the values of the section named exactly after it (`planner:`), whatever the order. So the
launch's own values are plain `-p` and the params file must not set task, model, lockstep or use_sim_time in
its `planner:`/`maze_sim:` sections (it would beat the launch arguments; test/launch checks that it does not).
A `-p` is also the one form that survives a launch namespace: a parameter dict would be written to a temporary
file keyed by the node's full name (/ns/planner), a key rclnodejs ignores.

    source /opt/ros/jazzy/setup.bash
    ros2 launch launch/maze2d.launch.py                       # maze2d-medium, real time
    ros2 launch launch/maze2d.launch.py task:=maze2d-umaze lockstep:=true

The sim node publishes /clock (sim time t*dt). In lockstep the planner follows it (use_sim_time); in real time
the planner runs on the wall clock like on a real robot, and the sim steps at 1/dt of wall time.

The planner gets its model as `--model` (so the tuned planner settings a shipped model carries in its
provenance apply, see `df-planner node --help`) and as the `model` parameter.
"""

import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import Parameter

# This file lives in <checkout>/launch; the command line entry is <checkout>/bin/df-planner.js.
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(CHECKOUT, 'bin', 'df-planner.js')
TASKS = ['maze2d-umaze', 'maze2d-medium', 'maze2d-large']


def generate_launch_description():
    task = LaunchConfiguration('task')
    model = LaunchConfiguration('model')
    params_file = LaunchConfiguration('params_file')
    lockstep = LaunchConfiguration('lockstep')
    use_sim_time = LaunchConfiguration('use_sim_time')

    arguments = [
        DeclareLaunchArgument('task', default_value='maze2d-medium', choices=TASKS,
                              description='Maze2D task of the sim and the planner'),
        DeclareLaunchArgument('model', default_value=PathJoinSubstitution([CHECKOUT, 'models', task]),
                              description='model directory of the planner (default: the shipped model of the task)'),
        DeclareLaunchArgument('params_file',
                              default_value=os.path.join(CHECKOUT, 'launch', 'params', 'maze2d.yaml'),
                              description='ROS 2 params file for both nodes (sections maze_sim and planner)'),
        DeclareLaunchArgument('lockstep', default_value='false', choices=['true', 'false'],
                              description='true: the sim steps once per command (deterministic); false: real time'),
        DeclareLaunchArgument('use_sim_time', default_value=lockstep,
                              description='planner clock from /clock (published by the sim); default: as lockstep '
                                          '(real time runs the planner on the wall clock, like a real robot)'),
    ]

    sim = Node(
        executable='node',
        arguments=[CLI, 'sim-node', '--transport', 'ros'],
        name='maze_sim',
        output='screen',
        cwd=CHECKOUT,
        parameters=[
            params_file,
            Parameter('task', task, value_type=str),
            Parameter('lockstep', lockstep, value_type=bool),
        ],
    )
    planner = Node(
        executable='node',
        arguments=[CLI, 'node', '--transport', 'ros', '--model', model],
        name='planner',
        output='screen',
        cwd=CHECKOUT,
        parameters=[
            params_file,
            Parameter('task', task, value_type=str),
            Parameter('model', model, value_type=str),
            Parameter('lockstep', lockstep, value_type=bool),
            Parameter('use_sim_time', use_sim_time, value_type=bool),
        ],
    )
    return LaunchDescription([*arguments, sim, planner])
