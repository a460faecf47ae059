/**
 * Builds the PM agents of a run from a `NodeRunSpec`: everything a process needs to host any
 * subset of the nodes, whether it is the experiment driver or a separate node host. Each node's
 * random streams are forked from the run seed by node id, so which process hosts a node never
 * changes what it does.
 */
import { z } from 'zod';
import { Int32Arena } from '../src/core/int32-arena.ts';
import { Rng } from '../src/core/rng.ts';
import type { PolicyRegistry } from '../src/policy/registry.ts';
import { ConsolidationOptionsSchema } from '../protocols/consolidation-options.ts';
import type { VmSensor } from '../protocols/pm-node.ts';
import { Out } from '../protocols/protocol.ts';
import type { EffectSink } from './node-events.ts';
import { STACK } from './protocol-stack.ts';
import type { PeerSampler } from '../protocols/peer-sampling.ts';
import { PeerSamplingUniform } from '../protocols/peer-sampling-uniform.ts';
import { CyclonOptionsSchema, PeerSamplingCyclon } from '../protocols/peer-sampling-cyclon.ts';
import { PmAgent, type Trainer } from './pm-agent.ts';
import { trainLocally } from '../protocols/glap-training.ts';

const amounts = z.array(z.number().min(0).max(1e12));

/**
 * The run-wide facts every process needs to build any subset of a run's nodes (JSON, sent to
 * remote node hosts as is in the run's start record, and validated there on arrival).
 */
export const NodeRunSpecSchema = z
  .object({
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    pms: z.number().int().min(1),
    policy: z.string().min(1),
    /** The run's option sections by key; each policy parses its own (PolicyRegistry). */
    policyOptions: z.record(z.string(), z.unknown()),
    protocol: ConsolidationOptionsSchema,
    peerSampling: z.enum(['uniform', 'cyclon']),
    cyclon: CyclonOptionsSchema,
    /** Per node: CPU capacity in MIPS and RAM in MB. */
    cpuCapMips: amounts,
    ramCapMb: amounts,
    /** Per VM: the host it starts on; −1: none (it arrives later: events). */
    placement: z.array(z.number().int().min(-1)),
  })
  .strict()
  .refine((s) => s.placement.every((h) => h < s.pms), {
    message: 'a VM is placed on a PM the run does not have',
    path: ['placement'],
  });

export type NodeRunSpec = z.output<typeof NodeRunSpecSchema>;

/** Runs the policy's run-wide preparation (if any); its result goes to `buildAgents`. */
export async function preparePolicy(spec: NodeRunSpec, policies: PolicyRegistry): Promise<unknown> {
  const entry = policies.get(spec.policy);
  if (!entry.prepare) return undefined;
  return entry.prepare({
    pms: spec.pms,
    rng: new Rng(spec.seed).fork('policy'),
    options: spec.policyOptions,
  });
}

/**
 * The agents of `nodeIds`, in an array indexed by node id (holes for nodes hosted elsewhere).
 * `prepared` is `preparePolicy`'s result; `sensor` reads the VMs a node hosts; `sink` receives
 * their effects. They share one effects buffer: an agent carries out each step's effects before
 * the next step of any agent runs.
 */
export function buildAgents(
  spec: NodeRunSpec,
  policies: PolicyRegistry,
  nodeIds: Iterable<number>,
  prepared: unknown,
  sensor: VmSensor,
  sink: EffectSink,
): (PmAgent | undefined)[] {
  const agents: (PmAgent | undefined)[] = new Array(spec.pms);
  const build = agentBuilder(spec, policies, prepared, sensor, sink);
  for (const id of nodeIds) agents[id] = build(id);
  return agents;
}

/**
 * The same agents, built into `agents` a chunk at a time, awaiting `between(built, total)` after
 * each chunk: the caller yields to the event loop there (so a large fleet's set-up, about 0.25 ms
 * per Q-learning PM, still hears signals) and may show progress.
 */
export async function buildAgentsInChunks(
  agents: (PmAgent | undefined)[],
  spec: NodeRunSpec,
  policies: PolicyRegistry,
  nodeIds: readonly number[],
  prepared: unknown,
  sensor: VmSensor,
  sink: EffectSink,
  between: (built: number, total: number) => Promise<void>,
  chunk = 1000,
): Promise<void> {
  const build = agentBuilder(spec, policies, prepared, sensor, sink);
  for (let i = 0; i < nodeIds.length; i++) {
    agents[nodeIds[i]!] = build(nodeIds[i]!);
    if ((i + 1) % chunk === 0 || i + 1 === nodeIds.length) await between(i + 1, nodeIds.length);
  }
}

/** Builds one node's agent; what all nodes share (placement lists, effect buffers) is made once. */
function agentBuilder(
  spec: NodeRunSpec,
  policies: PolicyRegistry,
  prepared: unknown,
  sensor: VmSensor,
  sink: EffectSink,
): (id: number) => PmAgent {
  const entry = policies.get(spec.policy);
  const hosted: number[][] = Array.from({ length: spec.pms }, () => []);
  // −1: a VM not in the datacenter at the start (it arrives later: events).
  spec.placement.forEach((h, vm) => h >= 0 && hosted[h]!.push(vm));
  const nodeRngs = new Rng(spec.seed).fork('nodes');
  // The nodes' Cyclon views, side by side in id order.
  const views = new Int32Arena();
  const out = new Out();
  // GLAP's local training runs simulated exchanges with effects of their own.
  const trainOut = new Out();
  const trainer: Trainer = (learner, self, neighbour, options) =>
    trainLocally(learner, self, neighbour, options, trainOut);
  return (id) => {
    const nodeRng = nodeRngs.fork(id);
    return new PmAgent(
      {
        id,
        cpuCapMips: spec.cpuCapMips[id]!,
        ramCapMb: spec.ramCapMb[id]!,
        vms: hosted[id]!,
        asleep: hosted[id]!.length === 0,
        policy: entry.create(
          { nodeId: id, rng: nodeRng.fork('policy') },
          spec.policyOptions,
          prepared,
        ),
        sampler: makeSampler(spec, id, nodeRng.fork('bootstrap'), views),
        rng: nodeRng.fork('protocol'),
        sensor,
        options: spec.protocol,
      },
      STACK,
      sink,
      out,
      trainer,
    );
  };
}

/** A node's peer sampler; Cyclon views start from `viewSize` random peers (the join bootstrap). */
function makeSampler(spec: NodeRunSpec, id: number, rng: Rng, views: Int32Arena): PeerSampler {
  const pms = spec.pms;
  if (spec.peerSampling === 'uniform') return new PeerSamplingUniform(id, pms);
  const bootstrap: number[] = [];
  const want = Math.min(spec.cyclon.viewSize, pms - 1);
  while (bootstrap.length < want) {
    const p = rng.int(pms);
    if (p !== id && !bootstrap.includes(p)) bootstrap.push(p);
  }
  return new PeerSamplingCyclon(id, spec.cyclon, bootstrap, views);
}
