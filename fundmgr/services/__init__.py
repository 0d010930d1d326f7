"""Every operation that changes state, one function per business action.

Views, management commands and tests call these; nothing else writes."""
