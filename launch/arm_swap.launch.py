"""Fruit-swap arm on ROS 2: the MuJoCo arm sim node and the Diffusion Forcing planner node (df-planner, rclnodejs).

The arm's twin of maze2d.launch.py (read it for how the nodes are started from this checkout and why the launch
arguments are plain `-p name:=value`). Topics (src/node/arm-topics.ts): the sim publishes joint_states
(sensor_msgs/JointState), apple/pose and orange/pose (geometry_msgs/PoseWithCovarianceStamped), episode_start and
/clock; the planner publishes joint position targets on /arm_controller/commands (std_msgs/Float64MultiArray, the
forward command controller convention, in the order of its joint_names parameter). On a real arm, drop the sim
node and point the planner at the robot's joint_state_broadcaster and forward command controller.

    source /opt/ros/jazzy/setup.bash
    ros2 launch launch/arm_swap.launch.py                     # real time, 10 Hz
    ros2 launch launch/arm_swap.launch.py lockstep:=true model:=runs/arm-model

The params file must not set task, model, lockstep or use_sim_time in its node sections (test/launch checks it).
"""

import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import Parameter

# This file lives in <checkout>/launch; the command line entry is <checkout>/bin/df-planner.js.
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(CHECKOUT, 'bin', 'df-planner.js')


def generate_launch_description():
    model = LaunchConfiguration('model')
    params_file = LaunchConfiguration('params_file')
    lockstep = LaunchConfiguration('lockstep')
    use_sim_time = LaunchConfiguration('use_sim_time')

    arguments = [
        DeclareLaunchArgument('model', default_value=os.path.join(CHECKOUT, 'models', 'arm-swap'),
                              description='model directory of the planner (an arm-swap model)'),
        DeclareLaunchArgument('params_file',
                              default_value=os.path.join(CHECKOUT, 'launch', 'params', 'arm_swap.yaml'),
                              description='ROS 2 params file for both nodes (sections arm_sim and planner)'),
        DeclareLaunchArgument('lockstep', default_value='false', choices=['true', 'false'],
                              description='true: the sim steps once per command (deterministic); false: real time'),
        DeclareLaunchArgument('use_sim_time', default_value=lockstep,
                              description='planner clock from /clock (published by the sim); default: as lockstep'),
    ]

    sim = Node(
        executable='node',
        arguments=[CLI, 'sim-node', '--task', 'arm-swap', '--transport', 'ros'],
        name='arm_sim',
        output='screen',
        cwd=CHECKOUT,
        parameters=[
            params_file,
            Parameter('task', 'arm-swap', value_type=str),
            Parameter('lockstep', lockstep, value_type=bool),
        ],
    )
    planner = Node(
        executable='node',
        arguments=[CLI, 'node', '--transport', 'ros', '--task', 'arm-swap', '--model', model],
        name='planner',
        output='screen',
        cwd=CHECKOUT,
        parameters=[
            params_file,
            Parameter('task', 'arm-swap', value_type=str),
            Parameter('model', model, value_type=str),
            Parameter('lockstep', lockstep, value_type=bool),
            Parameter('use_sim_time', use_sim_time, value_type=bool),
        ],
    )
    return LaunchDescription([*arguments, sim, planner])
