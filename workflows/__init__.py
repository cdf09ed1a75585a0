"""The workflow engine wrapper around SpiffWorkflow.

Nothing here imports Flask or the portal: ``model`` compiles and validates
BPMN, ``instance`` runs one process, ``sandbox`` evaluates conditions and
scripts safely, ``services`` dispatches service tasks to registered code.
"""
