/**
 * Parameter rows every robot interface's section includes, because the planner node itself reads them (the
 * episode start input and the plan output). Each interface places them where its table reads best.
 */
import { defineParams } from '../params/index.js';

export const EPISODE_TOPIC_PARAM = defineParams([
  {
    name: 'episode_topic',
    key: 'episodeTopic',
    type: 'string',
    default: 'episode_start',
    mode: 'static',
    description:
      "episode start, stamped like the episode's first state (maze: geometry_msgs/msg/PoseStamped carrying the episode's goal): restart the latent at that state; '' = never subscribe",
  },
] as const);

export const PLAN_PARAMS = defineParams([
  {
    name: 'plan_topic',
    key: 'planTopic',
    type: 'string',
    default: '~/plan',
    mode: 'static',
    description: 'plan output (nav_msgs/msg/Path, one pose per planned step)',
  },
  {
    name: 'publish_plan',
    key: 'publishPlan',
    type: 'bool',
    default: true,
    mode: 'dynamic',
    description: 'publish every plan on plan_topic',
  },
] as const);
