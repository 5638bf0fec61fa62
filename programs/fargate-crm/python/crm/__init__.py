"""fargate-crm: the three-tier CRM on ECS Fargate (reference architecture B), one module per tier."""
