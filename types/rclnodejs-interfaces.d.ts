/**
 * Stand-in for rclnodejs's generated `types/interfaces.d.ts` (docs/ros2.md §1.3), which exists only after its
 * message generator ran against a sourced ROS. With `npm install --ignore-scripts rclnodejs@2.2.0` (no ROS),
 * the core typings reference these names; this file declares them for the interfaces df-planner uses, with
 * message shapes taken from src/transport/msgs.ts, so the T1 check (rcl-like-check.ts) sees real types.
 * Used only by types/tsconfig.rclnodejs.json. Keep in step with msgs.ts and the ROS .msg definitions.
 */
declare module 'rclnodejs' {
  type OurMsgMap = import('../src/transport/msgs.js').MsgMap;

  namespace builtin_interfaces {
    namespace msg {
      type Time = import('../src/transport/msgs.js').Time;
      type Duration = import('../src/transport/msgs.js').Duration;
    }
  }
  namespace std_msgs {
    namespace msg {
      interface String {
        data: string;
      }
    }
  }
  namespace unique_identifier_msgs {
    namespace msg {
      interface UUID {
        uuid: Uint8Array | number[];
      }
    }
  }
  namespace action_msgs {
    namespace msg {
      interface GoalInfo {
        goal_id: unique_identifier_msgs.msg.UUID;
        stamp: builtin_interfaces.msg.Time;
      }
    }
    namespace srv {
      interface CancelGoal_Response {
        return_code: number;
        goals_canceling: action_msgs.msg.GoalInfo[];
      }
    }
  }
  namespace lifecycle_msgs {
    namespace msg {
      interface TransitionConstructor {
        readonly TRANSITION_CALLBACK_SUCCESS: 97;
        readonly TRANSITION_CALLBACK_FAILURE: 98;
        readonly TRANSITION_CALLBACK_ERROR: 99;
      }
    }
  }
  namespace rcl_interfaces {
    namespace msg {
      interface ParameterValue {
        type: number;
        bool_value: boolean;
        integer_value: bigint;
        double_value: number;
        string_value: string;
        byte_array_value: number[] | Uint8Array;
        bool_array_value: boolean[];
        integer_array_value: bigint[];
        double_array_value: number[] | Float64Array;
        string_array_value: string[];
      }
      interface Parameter {
        name: string;
        value: ParameterValue;
      }
      interface FloatingPointRange {
        from_value: number;
        to_value: number;
        step: number;
      }
      interface IntegerRange {
        from_value: bigint;
        to_value: bigint;
        step: bigint;
      }
      interface ParameterDescriptor {
        name: string;
        type: number;
        description: string;
        additional_constraints: string;
        read_only: boolean;
        dynamic_typing: boolean;
        floating_point_range: FloatingPointRange[];
        integer_range: IntegerRange[];
      }
      interface SetParametersResult {
        successful: boolean;
        reason: string;
      }
    }
  }

  type MessagesMap = OurMsgMap & {
    'std_msgs/msg/String': std_msgs.msg.String;
    'unique_identifier_msgs/msg/UUID': unique_identifier_msgs.msg.UUID;
    'rcl_interfaces/msg/Parameter': rcl_interfaces.msg.Parameter;
    'rcl_interfaces/msg/ParameterValue': rcl_interfaces.msg.ParameterValue;
    'rcl_interfaces/msg/ParameterDescriptor': rcl_interfaces.msg.ParameterDescriptor;
    'rcl_interfaces/msg/SetParametersResult': rcl_interfaces.msg.SetParametersResult;
  };
  type MessageTypeClassName = keyof MessagesMap;
  type MessageType<T> = T extends MessageTypeClassName ? MessagesMap[T] : object;
  type MessageTypeClassConstructorMap = { [K in MessageTypeClassName]: new (init?: Partial<MessagesMap[K]>) => MessagesMap[K] };

  // df-planner uses no services or actions; these keep the core typings well-formed.
  type Service = object;
  type ServicesMap = {
    'std_srvs/srv/Trigger': {
      Request: new () => Record<string, never>;
      Response: new () => { success: boolean; message: string };
    };
  };
  type ServiceTypeClassName = keyof ServicesMap;
  type ServiceType<T> = T extends ServiceTypeClassName ? ServicesMap[T] : object;
  type ActionsMap = Record<never, never>;
  type ActionTypeClassName = never;
  type ActionType<T> = T extends never ? never : object;

  type TypeClassName = MessageTypeClassName | ServiceTypeClassName | ActionTypeClassName;
  type InterfaceType<T> = T extends MessageTypeClassName
    ? MessageTypeClassConstructorMap[T]
    : T extends ServiceTypeClassName
      ? ServiceType<T>
      : object;
}
