/**
 * A transport that also hands every message its node publishes or receives to a tap (for `node --record`,
 * where there is no bus to tap: on ROS 2 this records the node's own topics; `ros2 bag record -a` records
 * the whole graph). Everything else is the wrapped transport's own behaviour.
 *
 * Published messages are copied as the transport would deliver them (`normalizeMessage`: the caller may reuse
 * its object); a message the transport refuses is not recorded (the publish itself reports the error).
 */
import { tap as rxTap } from 'rxjs';
import { type BusTap, normalizeMessage, QOS_PROFILES, type Transport } from '../transport/index.js';

export function tapTransport(transport: Transport, tap: BusTap): Transport {
  const advertise: Transport['advertise'] = (type, topic, qos) => {
    const publish = transport.advertise(type, topic, qos);
    const name = transport.resolve(topic);
    const profile = QOS_PROFILES[qos];
    return (msg) => {
      publish(msg);
      // A managed node's publishers drop messages unless active: record only what went out.
      if (transport.lifecycleState() !== 'active') return;
      tap({ topic: name, type, qos: profile, msg: normalizeMessage(type, msg), stampNs: transport.nowNs() });
    };
  };
  const observe: Transport['observe'] = (type, topic, qos) => {
    const name = transport.resolve(topic);
    const profile = QOS_PROFILES[qos];
    return transport
      .observe(type, topic, qos)
      .pipe(rxTap((r) => tap({ topic: name, type, qos: profile, msg: r.msg, stampNs: transport.nowNs() })));
  };
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === 'advertise') return advertise;
      if (prop === 'observe') return observe;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
