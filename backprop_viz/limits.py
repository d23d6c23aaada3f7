"""Every limit backprop-viz enforces, defined once: the core's, each way input comes in,
each page's (a page may allow less than the core) and each figure's drawing budget."""

# --- the core: what a network and its training may be ------------------------------------
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 16
MAX_LEARNING_RATE = 100.0  # larger steps only diverge
MAX_EPOCHS = 100_000
MAX_SEED = 2**32 - 1  # NumPy's RandomState, which draws the lesson's weights, takes no more

# --- the core: regularization and several classes ------------------------------------------
MAX_REGULARIZATION = 0.1  # the L1 / L2 rate λ; larger rates swamp the data's gradient

# --- input: configuration text, links, files, messages ------------------------------------
MAX_CONFIG_BYTES = 1_000_000  # a file or pasted text
MAX_LINK_CHARS = 4000  # a share link's ?config= value
MAX_LINK_JSON_BYTES = 8_000  # the JSON a share link carries, once inflated
MAX_ADDRESS_CHARS = 8_000  # a page address's query (the step page's state)
MAX_JSON_DEPTH = 32  # nested arrays and objects; a configuration needs 4
MAX_INTEGER_DIGITS = 30  # Python refuses to convert more than 4,300 digits, with a traceback
MAX_STRING_CHARS = 100  # keys and names; the longest valid one has 13 characters
MAX_QUOTE_CHARS = 40  # a value quoted in a message is cut to this many characters
MAX_ECHO_CHARS = 200  # a message quoting user text is cut to this many characters

# --- the command line's work budgets ------------------------------------------------------
MAX_STEP_WORK = 10_000_000  # records × parameters for one step
MAX_GRADCHECK_WORK = 10_000_000  # records × parameters² for the gradient check
MAX_JSON_RECORD_VALUES = 100_000  # per-record values printed by step --json

# --- data: CSV files and generated 2-D sets -----------------------------------------------
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 100_000
MAX_CSV_COLUMNS = 50
MAX_CATEGORIES = 20  # distinct text values one column may one-hot encode into
MAX_FEATURES = 50  # encoded feature columns in total
MIN_DATA_ROWS = 10  # rows left after dropping missing values
MIN_POINTS_2D = 10
MAX_POINTS_2D = 100_000
MAX_TEST_FRACTION_2D = 0.9

# --- data: a CSV file's fields and numbers (hostile files) --------------------------------
MAX_CSV_HEADER_CHARS = 100_000  # the header line, checked before csv splits it (its cap: 131,072)
MAX_CSV_NAME_CHARS = 100  # one column name
MAX_CSV_CELL_CHARS = 1_000  # one cell's text; a category or a number needs far less
MAX_CSV_ABS_VALUE = 1e6  # a numeric cell after parsing: larger values overflow training

# --- the step page -------------------------------------------------------------------------
STEP_MAX_INPUTS = 6
STEP_MAX_HIDDEN_LAYERS = 3
STEP_MAX_UNITS = 6
STEP_MAX_OUTPUTS = 3
STEP_MAX_ABS_VALUE = 10.0  # inputs and targets
STEP_MAX_ABS_WEIGHT = 1000.0
STEP_MIN_LEARNING_RATE = 1e-6
STEP_MAX_TAKE = 1000  # steps in one "Take N steps"

# --- the training page ---------------------------------------------------------------------
TRAIN_MAX_EPOCHS_PER_RUN = 20_000  # one training segment: a new run or one continuation
TRAIN_MIN_POINTS = 20
TRAIN_MAX_POINTS = 5_000
TRAIN_MAX_TEST_FRACTION = 0.5
TRAIN_MAX_TOTAL_EPOCHS = 100_000  # a run and all its continuations
TRAIN_MAX_CHECKPOINTS = 200  # parameter checkpoints kept per training segment
TRAIN_MAX_SECONDS = 60.0  # runs estimated to take longer are refused
TRAIN_MAX_FRAMES = 60  # animation frames shared by the loss curves and the decision boundary

# --- figures: drawing budgets -------------------------------------------------------------
MAX_EDGE_LABELS = 24  # beyond this many edges, the step diagram's values are in the hover
MAX_STILL_LABELS = 10  # edges labelled on a still diagram, whose edges cross more
MAX_STEP_LINES = 8  # weight-step lines on a "what this control does" chart
MAX_LINE_POINTS = 120  # checkpoints drawn per weight line
MAX_SHOWN_POINTS = 1000  # data points drawn per split
MAX_CURVE_POINTS = 300  # drawn per curve; frame epochs are always among them

# --- the training page's live training (Train live, per-unit pictures) --------------------
TRAIN_LIVE_CHUNK_SECONDS = 0.06  # server time one live chunk of epochs aims at
TRAIN_LIVE_INTERVAL_SECONDS = 0.12  # the live fragment reruns this often
TRAIN_LIVE_MAX_CHUNK_EPOCHS = 2_000  # epochs in one live chunk, however fast they are
MAX_UNIT_PICTURES = 40  # per-unit heatmaps drawn; larger networks show the first ones
LIVE_PICTURE_PX = 360  # the live decision boundary's picture, pixels per side

# --- data: downloading the lesson's admissions file (fetch-data, "Get the lesson's data") -
MAX_FETCH_BYTES = 256 * 1024  # the lesson's file has 5 KB; far below MAX_CSV_BYTES
MAX_FETCH_SECONDS = 20.0  # the whole download, connecting included
