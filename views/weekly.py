"""周例会 (placeholder while being written)."""

import streamlit as st

st.title("周例会")
