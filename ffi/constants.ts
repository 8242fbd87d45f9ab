/**
 * Win32 constants servitor uses, each under its documented name. Outside ffi/ these appear only through
 * the string unions of ffi/types.ts.
 * @module
 */

// Access rights (winsvc.h)
export const SC_MANAGER_CONNECT = 0x0001;
export const SC_MANAGER_CREATE_SERVICE = 0x0002;
export const SC_MANAGER_ENUMERATE_SERVICE = 0x0004;
export const SC_MANAGER_ALL_ACCESS = 0xF003F;
export const SERVICE_QUERY_CONFIG = 0x0001;
export const SERVICE_CHANGE_CONFIG = 0x0002;
export const SERVICE_QUERY_STATUS = 0x0004;
export const SERVICE_START = 0x0010;
export const SERVICE_STOP = 0x0020;
export const SERVICE_PAUSE_CONTINUE = 0x0040;
export const SERVICE_INTERROGATE = 0x0080;
export const SERVICE_USER_DEFINED_CONTROL = 0x0100;
export const DELETE = 0x10000;
export const SERVICE_ALL_ACCESS = 0xF01FF;

// Service types
export const SERVICE_KERNEL_DRIVER = 0x01;
export const SERVICE_FILE_SYSTEM_DRIVER = 0x02;
export const SERVICE_WIN32_OWN_PROCESS = 0x10;
export const SERVICE_WIN32_SHARE_PROCESS = 0x20;
export const SERVICE_INTERACTIVE_PROCESS = 0x100;
export const SERVICE_WIN32 = 0x30;
export const SERVICE_NO_CHANGE = 0xFFFFFFFF;

// Start types
export const SERVICE_BOOT_START = 0;
export const SERVICE_SYSTEM_START = 1;
export const SERVICE_AUTO_START = 2;
export const SERVICE_DEMAND_START = 3;
export const SERVICE_DISABLED = 4;

// Error control
export const SERVICE_ERROR_IGNORE = 0;
export const SERVICE_ERROR_NORMAL = 1;
export const SERVICE_ERROR_SEVERE = 2;
export const SERVICE_ERROR_CRITICAL = 3;

// Current states
export const SERVICE_STOPPED = 1;
export const SERVICE_START_PENDING = 2;
export const SERVICE_STOP_PENDING = 3;
export const SERVICE_RUNNING = 4;
export const SERVICE_CONTINUE_PENDING = 5;
export const SERVICE_PAUSE_PENDING = 6;
export const SERVICE_PAUSED = 7;

// Controls
export const SERVICE_CONTROL_STOP = 0x01;
export const SERVICE_CONTROL_PAUSE = 0x02;
export const SERVICE_CONTROL_CONTINUE = 0x03;
export const SERVICE_CONTROL_INTERROGATE = 0x04;
export const SERVICE_CONTROL_SHUTDOWN = 0x05;
export const SERVICE_CONTROL_PARAMCHANGE = 0x06;
export const SERVICE_CONTROL_POWEREVENT = 0x0D;
export const SERVICE_CONTROL_SESSIONCHANGE = 0x0E;
export const SERVICE_CONTROL_PRESHUTDOWN = 0x0F;
export const SERVICE_CONTROL_USER_FIRST = 128;
export const SERVICE_CONTROL_USER_LAST = 255;

// Controls accepted
export const SERVICE_ACCEPT_STOP = 0x01;
export const SERVICE_ACCEPT_PAUSE_CONTINUE = 0x02;
export const SERVICE_ACCEPT_SHUTDOWN = 0x04;
export const SERVICE_ACCEPT_PARAMCHANGE = 0x08;
export const SERVICE_ACCEPT_POWEREVENT = 0x40;
export const SERVICE_ACCEPT_SESSIONCHANGE = 0x80;
export const SERVICE_ACCEPT_PRESHUTDOWN = 0x100;

// QueryServiceConfig2W / ChangeServiceConfig2W info levels
export const SERVICE_CONFIG_DESCRIPTION = 1;
export const SERVICE_CONFIG_FAILURE_ACTIONS = 2;
export const SERVICE_CONFIG_DELAYED_AUTO_START_INFO = 3;
export const SERVICE_CONFIG_FAILURE_ACTIONS_FLAG = 4;
export const SERVICE_CONFIG_PRESHUTDOWN_INFO = 7;

// SC_ACTION_TYPE
export const SC_ACTION_NONE = 0;
export const SC_ACTION_RESTART = 1;
export const SC_ACTION_REBOOT = 2;
export const SC_ACTION_RUN_COMMAND = 3;

// EnumServicesStatusExW
export const SC_ENUM_PROCESS_INFO = 0;
export const SERVICE_ACTIVE = 0x1;
export const SERVICE_INACTIVE = 0x2;
export const SERVICE_STATE_ALL = 0x3;
export const SC_STATUS_PROCESS_INFO = 0;

// FormatMessageW
export const FORMAT_MESSAGE_IGNORE_INSERTS = 0x200;
export const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000;

// Error codes (winerror.h) servitor reacts to
export const ERROR_SUCCESS = 0;
export const ERROR_FILE_NOT_FOUND = 2;
export const ERROR_ACCESS_DENIED = 5;
export const ERROR_INVALID_HANDLE = 6;
export const ERROR_INVALID_PARAMETER = 87;
export const ERROR_CALL_NOT_IMPLEMENTED = 120;
export const ERROR_INSUFFICIENT_BUFFER = 122;
export const ERROR_INVALID_NAME = 123;
export const ERROR_INVALID_LEVEL = 124;
export const ERROR_MORE_DATA = 234;
export const ERROR_DEPENDENT_SERVICES_RUNNING = 1051;
export const ERROR_INVALID_SERVICE_CONTROL = 1052;
export const ERROR_SERVICE_REQUEST_TIMEOUT = 1053;
export const ERROR_SERVICE_NO_THREAD = 1054;
export const ERROR_SERVICE_DATABASE_LOCKED = 1055;
export const ERROR_SERVICE_ALREADY_RUNNING = 1056;
export const ERROR_INVALID_SERVICE_ACCOUNT = 1057;
export const ERROR_SERVICE_DISABLED = 1058;
export const ERROR_CIRCULAR_DEPENDENCY = 1059;
export const ERROR_SERVICE_DOES_NOT_EXIST = 1060;
export const ERROR_SERVICE_CANNOT_ACCEPT_CTRL = 1061;
export const ERROR_SERVICE_NOT_ACTIVE = 1062;
export const ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063;
export const ERROR_EXCEPTION_IN_SERVICE = 1064;
export const ERROR_SERVICE_SPECIFIC_ERROR = 1066;
export const ERROR_SERVICE_DEPENDENCY_FAIL = 1068;
export const ERROR_SERVICE_LOGON_FAILED = 1069;
export const ERROR_SERVICE_MARKED_FOR_DELETE = 1072;
export const ERROR_SERVICE_EXISTS = 1073;
export const ERROR_DUPLICATE_SERVICE_NAME = 1078;
export const ERROR_SHUTDOWN_IN_PROGRESS = 1115;

// CreateProcessW's dwCreationFlags
export const CREATE_SUSPENDED = 0x4;
export const CREATE_NEW_CONSOLE = 0x10;
export const CREATE_UNICODE_ENVIRONMENT = 0x400;
export const EXTENDED_STARTUPINFO_PRESENT = 0x80000;

// Priority classes (CreateProcessW's dwCreationFlags, SetPriorityClass)
export const IDLE_PRIORITY_CLASS = 0x40;
export const BELOW_NORMAL_PRIORITY_CLASS = 0x4000;
export const NORMAL_PRIORITY_CLASS = 0x20;
export const ABOVE_NORMAL_PRIORITY_CLASS = 0x8000;
export const HIGH_PRIORITY_CLASS = 0x80;
export const REALTIME_PRIORITY_CLASS = 0x100;

// ShowWindow / STARTUPINFOW.wShowWindow / ShellExecuteW's nShowCmd
export const SW_HIDE = 0;
export const SW_SHOWNORMAL = 1;

// ShellExecuteW: a returned HINSTANCE above this is success; at or below, an error code (SE_ERR_*).
export const SHELL_EXECUTE_SUCCEEDED_ABOVE = 32;

// UpdateProcThreadAttribute
export const PROC_THREAD_ATTRIBUTE_HANDLE_LIST = 0x20002;

// Process access rights
export const PROCESS_TERMINATE = 0x0001;
export const PROCESS_SET_INFORMATION = 0x0200;
export const PROCESS_QUERY_INFORMATION = 0x0400;
export const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
export const SYNCHRONIZE = 0x100000;

// Waits and exit codes
export const WAIT_OBJECT_0 = 0;
export const WAIT_TIMEOUT = 258;
export const WAIT_FAILED = 0xFFFFFFFF;
/** WaitForMultipleObjects takes at most this many handles. */
export const MAXIMUM_WAIT_OBJECTS = 64;
export const STILL_ACTIVE = 259;

// Files and handles
export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
/** Write access that always writes at the end of the file (no FILE_WRITE_DATA): appends can't overlap. */
export const FILE_APPEND_DATA = 0x4;
export const FILE_SHARE_READ = 0x1;
export const FILE_SHARE_WRITE = 0x2;
export const FILE_SHARE_DELETE = 0x4;
export const OPEN_EXISTING = 3;
export const OPEN_ALWAYS = 4;
export const FILE_ATTRIBUTE_NORMAL = 0x80;
export const FILE_READ_ATTRIBUTES = 0x80;
export const FILE_FLAG_OVERLAPPED = 0x40000000;

// Named pipes (CreateNamedPipeW)
export const PIPE_ACCESS_INBOUND = 0x1;
export const FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000;
/** Byte mode, blocking, local clients only (PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT are 0). */
export const PIPE_REJECT_REMOTE_CLIENTS = 0x8;
export const HANDLE_FLAG_INHERIT = 0x1;
export const DUPLICATE_SAME_ACCESS = 0x2;
/** GetStdHandle's nStdHandle values: (DWORD)-10, -11, -12. */
export const STD_INPUT_HANDLE = 0xFFFFFFF6;
export const STD_OUTPUT_HANDLE = 0xFFFFFFF5;
export const STD_ERROR_HANDLE = 0xFFFFFFF4;

// CreateToolhelp32Snapshot
export const TH32CS_SNAPPROCESS = 0x2;
export const TH32CS_SNAPTHREAD = 0x4;

// Job object information classes
export const JobObjectBasicProcessIdList = 3;
export const JobObjectExtendedLimitInformation = 9;
export const JobObjectCpuRateControlInformation = 15;
export const JobObjectAssociateCompletionPortInformation = 7;

// Consoles
export const CTRL_C_EVENT = 0;
export const CTRL_BREAK_EVENT = 1;

// Window messages
export const WM_CLOSE = 0x0010;
export const WM_QUIT = 0x0012;

// ReportEventW's wType
export const EVENTLOG_ERROR_TYPE = 0x1;
export const EVENTLOG_WARNING_TYPE = 0x2;
export const EVENTLOG_INFORMATION_TYPE = 0x4;

// More error codes (winerror.h): starting, reading and reaching processes
export const ERROR_PATH_NOT_FOUND = 3;
export const ERROR_NO_MORE_FILES = 18;
export const ERROR_GEN_FAILURE = 31;
export const ERROR_BROKEN_PIPE = 109;
export const ERROR_OPERATION_ABORTED = 995;
export const ERROR_IO_PENDING = 997;
export const ERROR_BAD_EXE_FORMAT = 193;
export const ERROR_DIRECTORY = 267;
export const ERROR_ELEVATION_REQUIRED = 740;
export const ERROR_INVALID_THREAD_ID = 1444;
