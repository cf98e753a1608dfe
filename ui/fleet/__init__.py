"""The Fleet screen and its parts: charts of the fleet's compliance, trends and bench output."""
