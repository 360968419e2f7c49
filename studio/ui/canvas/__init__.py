"""The node-graph canvas: a QGraphicsView over the graph core.

Items draw what the graph holds and redraw on its events; they never change the graph
themselves: the view turns gestures into commands and pushes them on the undo stack.
"""
