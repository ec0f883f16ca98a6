"""The coordinator's workspace: Today, intake, lists, participant, volunteer and duo pages."""
