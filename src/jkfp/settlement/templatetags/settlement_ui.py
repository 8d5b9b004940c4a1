from django import template

from jkfp.policy.money import fmt_fen

register = template.Library()


@register.filter
def signed_yuan(fen) -> str:
    """A change in fen as yuan with its sign and thousands separators: +1,234.56 / −12.00 / 0.00."""
    fen = int(fen or 0)
    text = f"{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
    return f"+{text}" if fen > 0 else f"−{text}" if fen < 0 else "0.00"


@register.filter
def fen_text(fen) -> str:
    return fmt_fen(int(fen or 0))
