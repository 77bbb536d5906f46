"""Loads a ROS 2 Python launch file without ROS and prints what it builds, as JSON.

The `launch` and `launch_ros` modules are replaced by recorders that keep their constructor arguments, so
`generate_launch_description()` runs for real (this file's code, its paths, its substitutions) and the test can
compare the result with the XML twin. It proves the file runs and wires what we expect; it cannot prove that
launch_ros accepts it (that needs a ROS 2 machine, see the README).

usage: python3 describe-launch.py path/to/file.launch.py
"""
import importlib.util
import json
import sys
import types


def render(value):
    """Substitutions as text in the XML frontend's notation, so both files compare as strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, LaunchConfiguration):
        return '$(var %s)' % value.name
    if isinstance(value, PathJoinSubstitution):
        return '/'.join(render(p) for p in value.parts)
    if isinstance(value, ParameterValue):
        return {'value': render(value.value), 'type': value.value_type.__name__}
    if isinstance(value, Parameter):
        # launch_ros passes a Parameter entry as `-p name:=value` (docs/ros2.md §2.4).
        return {'param': value.name, 'value': render(value.value), 'type': value.value_type.__name__}
    if isinstance(value, (list, tuple)):
        return ''.join(render(v) for v in value)
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items()}
    raise TypeError('unexpected value %r' % (value,))


class LaunchConfiguration:
    def __init__(self, name):
        self.name = name


class PathJoinSubstitution:
    def __init__(self, parts):
        self.parts = list(parts)


class ParameterValue:
    def __init__(self, value, value_type=None):
        self.value = value
        self.value_type = value_type


class Parameter:
    def __init__(self, name, value, value_type=None):
        self.name = name
        self.value = value
        self.value_type = value_type


class DeclareLaunchArgument:
    def __init__(self, name, default_value=None, description='', choices=None):
        self.record = {'kind': 'arg', 'name': name, 'default': render(default_value) if default_value is not None else None,
                       'description': description, 'choices': choices}


class Node:
    def __init__(self, executable=None, package=None, name=None, namespace=None, arguments=None, parameters=None,
                 output=None, cwd=None, remappings=None, **rest):
        if rest:
            raise TypeError('unexpected Node arguments: %s' % sorted(rest))
        self.record = {'kind': 'node', 'executable': executable, 'package': package, 'name': name,
                       'arguments': [render(a) for a in (arguments or [])],
                       'parameters': [render(p) for p in (parameters or [])],
                       'output': output, 'cwd': cwd, 'remappings': remappings}


class LaunchDescription:
    def __init__(self, entities):
        self.entities = list(entities)


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


module('launch', LaunchDescription=LaunchDescription)
module('launch.actions', DeclareLaunchArgument=DeclareLaunchArgument)
module('launch.substitutions', LaunchConfiguration=LaunchConfiguration, PathJoinSubstitution=PathJoinSubstitution)
module('launch_ros')
module('launch_ros.actions', Node=Node)
module('launch_ros.parameter_descriptions', ParameterValue=ParameterValue, Parameter=Parameter)

spec = importlib.util.spec_from_file_location('launch_file', sys.argv[1])
launch_file = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launch_file)
description = launch_file.generate_launch_description()
json.dump([e.record for e in description.entities], sys.stdout)
