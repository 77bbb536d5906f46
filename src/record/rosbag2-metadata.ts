/**
 * What rosbag2's MCAP storage plugin (rosbag2_storage_mcap) reads besides the messages, written the way it
 * writes them itself:
 * - each channel's metadata `offered_qos_profiles` (a YAML list of the publishers' QoS, which `ros2 bag play`
 *   offers again) and `topic_type_hash` (empty: we do not compute RIHS01 type hashes);
 * - one metadata record named `rosbag2` whose `serialized_metadata` is the bag's metadata.yaml content.
 *
 * Version 8 of the bag metadata is used on purpose: from version 9 on rosbag2 spells QoS policies as words, up
 * to 8 as the rmw enum integers. Readers pick the QoS parser by the version they find (Jazzy reads both; Humble
 * knows only integers), so version 8 with integers is read alike by Humble, Iron and Jazzy.
 * Integers (rmw_qos_profile_t): history keep_last 1; reliability reliable 1, best_effort 2; durability
 * transient_local 1, volatile 2; liveliness automatic 1. A zero duration is "unspecified" (the default).
 */
import { stringify } from 'yaml';
import type { BusTapEvent } from '../transport/index.js';

export const ROSBAG2_METADATA_VERSION = 8;

type Qos = BusTapEvent['qos'];

const ZERO_DURATION = { sec: 0, nsec: 0 };

/** The `offered_qos_profiles` value of a channel: the one publisher profile we know, as rosbag2 writes it. */
export function offeredQosYaml(qos: Qos): string {
  return stringify([
    {
      history: 1,
      depth: qos.depth,
      reliability: qos.reliable ? 1 : 2,
      durability: qos.transientLocal ? 1 : 2,
      deadline: ZERO_DURATION,
      lifespan: ZERO_DURATION,
      liveliness: 1,
      liveliness_lease_duration: ZERO_DURATION,
      avoid_ros_namespace_conventions: false,
    },
  ]);
}

export interface BagTopicInfo {
  readonly topic: string;
  readonly type: string;
  readonly qos: Qos;
  readonly messageCount: number;
}

export interface BagInfo {
  /** The bag file's name as it sits in its folder (rosbag2 stores paths relative to the bag). */
  readonly fileName: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly messageCount: number;
  readonly topics: readonly BagTopicInfo[];
  readonly rosDistro: string;
}

/** The `serialized_metadata` of the `rosbag2` metadata record (rosbag2's BagMetadata as YAML). */
export function serializedBagMetadata(info: BagInfo): string {
  const duration = { nanoseconds: info.endNs - info.startNs };
  const starting_time = { nanoseconds_since_epoch: info.startNs };
  return stringify({
    version: ROSBAG2_METADATA_VERSION,
    storage_identifier: 'mcap',
    duration,
    starting_time,
    message_count: info.messageCount,
    topics_with_message_count: info.topics.map((t) => ({
      topic_metadata: {
        name: t.topic,
        type: t.type,
        serialization_format: 'cdr',
        offered_qos_profiles: offeredQosYaml(t.qos),
        type_description_hash: '',
      },
      message_count: t.messageCount,
    })),
    compression_format: '',
    compression_mode: '',
    relative_file_paths: [info.fileName],
    files: [{ path: info.fileName, starting_time, duration, message_count: info.messageCount }],
    custom_data: {},
    ros_distro: info.rosDistro,
  });
}
