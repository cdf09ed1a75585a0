"""The process platform: definitions and their manifests, the runtime, tasks,
timers, deadlines, building blocks, checks, and one read model of an application.
It knows no process by name: processes come through the registry and their manifests."""
