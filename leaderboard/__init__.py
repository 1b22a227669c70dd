"""Run records, submissions, re-scoring and rendering of the leaderboard."""
