import { formatPort } from "../../model/ports";
import { defineRule } from "../types";

export default defineRule<Record<string, never>>({
  id: "unused-service",
  title: "No unused services",
  rationale: "A service that serves ports nobody may call, or a group no workload carries, is dead weight that hides the real graph.",
  security: { severity: 2.5, precision: "medium", tags: ["security", "maintainability"] },
  defaults: { severity: "warn", options: {} },
  optionsSchema: {},
  check(input, _options, report) {
    const called = new Set(input.rules.filter((r) => r.direction === "ingress" && !(r.peer.kind === "service" && r.peer.name === r.group)).map((r) => r.group));
    for (const group of input.groups) {
      if (group.ports && group.ports.length > 0 && !called.has(group.target)) {
        report({ target: group.target, message: `${group.target} serves ${group.ports.map(formatPort).join(", ")} but has no consumers`, at: group });
      }
      if (input.workloads.length > 0 && group.workloads?.length === 0) {
        report({ target: group.target, message: `${group.target} is carried by no workload`, at: group });
      }
    }
  },
});
