from viewflow.workflow.flow import Flow

from workflows.engine.graph import ReviewGraph


class PilotFlow(ReviewGraph, Flow):
    process_title = "Pilot programme"
    process_description = "The review graph under a programme the project does not ship."
