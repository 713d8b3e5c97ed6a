"""Choices shared by interview kits and the scorecards that rate them."""

from django.db import models


class Rating(models.IntegerChoices):
    """The anchored 4-point scale of interview scorecards (and of graded free-text answers)."""

    NO_ANSWER = 0, "No answer"
    WEAK = 1, "Weak"
    SOLID = 2, "Solid"
    STRONG = 3, "Strong"


RATING_ANCHORS = {
    Rating.NO_ANSWER: "Did not answer, or answered a different question.",
    Rating.WEAK: "Knows the words but not how they fit; needs prompting; misses or gets wrong the main point.",
    Rating.SOLID: "Correct and complete on the main point, with a sound example; small gaps only.",
    Rating.STRONG: "Correct, precise and practical: trade-offs, edge cases and follow-ups handled unprompted.",
}


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"
