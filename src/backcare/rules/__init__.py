"""Pure rules that turn (knowledge base, answers) into triage, questions and a plan."""
